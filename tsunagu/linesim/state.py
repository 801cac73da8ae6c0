"""What the simulated LINE platform remembers: its users, their chats with the bot, reply
tokens, retry keys and the month's message count. In memory, behind one lock: the
simulator is a single process for development, demos and tests."""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from common.clock import JST, Clock, utcnow

REPLY_TOKEN_LIFETIME_SECONDS = 60
"""LINE documents a reply token as usable once, within about a minute of the event."""

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid(now_ms: int) -> str:
    """A ULID (48-bit millisecond time, 80 random bits, Crockford base32), the form of LINE's
    ``webhookEventId``."""
    value = (now_ms << 80) | secrets.randbits(80)
    return "".join(CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def new_user_id() -> str:
    """``U`` and 32 hex digits, the shape of a LINE user id."""
    return "U" + secrets.token_hex(16)


def new_reply_token() -> str:
    return secrets.token_hex(16)


class ReplyTokenInvalid(Exception):
    """Unknown, used or expired reply token."""


class RetryKeyAccepted(Exception):
    """The push with this ``X-Line-Retry-Key`` was accepted before."""

    def __init__(self, request_id: str, sent: list[dict[str, str]]) -> None:
        super().__init__(request_id)
        self.request_id = request_id
        self.sent = sent


class MonthlyLimitReached(Exception):
    pass


class UnknownRecipient(Exception):
    pass


@dataclass
class ChatItem:
    """One line of a chat: from the user (``in``) or from the bot (``out``)."""

    seq: int
    direction: str  # "in" (user → bot) or "out" (bot → user)
    message: dict[str, Any]
    at_ms: int
    via: str = ""  # for bot messages: "reply" or "push"
    unsent: bool = False
    delivered: bool = True
    read: bool = False  # a user's message the bot marked as read (既読)


@dataclass
class SimUser:
    user_id: str
    display_name: str
    language: str = "ja"
    status_message: str = ""
    friendship: str = "none"  # none | friend | blocked
    chat: list[ChatItem] = field(default_factory=list)
    loading_until_ms: int = 0


@dataclass
class StoredContent:
    data: bytes
    content_type: str


@dataclass
class ReplyToken:
    user_id: str
    issued_ms: int
    used: bool = False


@dataclass
class Delivery:
    """A webhook body the simulator sent (kept so it can be redelivered verbatim)."""

    webhook_event_ids: list[str]
    events: list[dict[str, Any]]
    status: int | None
    error: str | None
    at_ms: int


class SimulatorState:
    def __init__(self, monthly_limit: int, clock: Clock = utcnow) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.monthly_limit = monthly_limit
        self.rate_limited = False
        self.users: dict[str, SimUser] = {}
        self.reply_tokens: dict[str, ReplyToken] = {}
        self.retry_keys: dict[str, tuple[str, list[dict[str, str]]]] = {}
        self.usage: dict[str, int] = {}  # "YYYY-MM" (JST) → messages counted
        self.contents: dict[str, StoredContent] = {}
        self.read_tokens: dict[str, tuple[str, int]] = {}  # markAsReadToken → (user, seq)
        self.deliveries: list[Delivery] = []
        self._seq = 0
        self._message_ids = int(time.time() * 1000) * 1000

    # -- time and ids ---------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock()

    def now_ms(self) -> int:
        return int(self.clock().timestamp() * 1000)

    def next_message_id(self) -> str:
        """LINE message ids are decimal strings of about 18 digits."""
        with self.lock:
            self._message_ids += 1
            return str(self._message_ids)

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    # -- users ----------------------------------------------------------------------------

    def add_user(self, display_name: str, language: str = "ja") -> SimUser:
        with self.lock:
            user = SimUser(new_user_id(), display_name, language)
            self.users[user.user_id] = user
            return user

    def user(self, user_id: str) -> SimUser | None:
        return self.users.get(user_id)

    def record_in(self, user: SimUser, message: dict[str, Any]) -> ChatItem:
        with self.lock:
            item = ChatItem(self._next_seq(), "in", message, self.now_ms())
            user.chat.append(item)
            if "markAsReadToken" in message:
                self.read_tokens[message["markAsReadToken"]] = (user.user_id, item.seq)
            return item

    def mark_read(self, token: str) -> bool:
        """The user's messages up to the token's are read, as LINE's markAsRead does."""
        with self.lock:
            entry = self.read_tokens.get(token)
            user = self.users.get(entry[0]) if entry else None
            if entry is None or user is None:
                return False
            for item in user.chat:
                if item.direction == "in" and item.seq <= entry[1]:
                    item.read = True
            return True

    def mark_unsent(self, user: SimUser, message_id: str) -> bool:
        with self.lock:
            for item in user.chat:
                if item.direction == "in" and item.message.get("id") == message_id:
                    item.unsent = True
                    self.contents.pop(message_id, None)
                    return True
            return False

    # -- reply tokens ---------------------------------------------------------------------

    def issue_reply_token(self, user_id: str) -> str:
        with self.lock:
            token = new_reply_token()
            self.reply_tokens[token] = ReplyToken(user_id, self.now_ms())
            return token

    def redeem_reply_token(self, token: str) -> SimUser:
        """The user a reply goes to; the token is spent. Raises :class:`ReplyTokenInvalid`."""
        with self.lock:
            entry = self.reply_tokens.get(token)
            if entry is None or entry.used:
                raise ReplyTokenInvalid(token)
            if self.now_ms() - entry.issued_ms > REPLY_TOKEN_LIFETIME_SECONDS * 1000:
                raise ReplyTokenInvalid(token)
            user = self.users.get(entry.user_id)
            if user is None:
                raise ReplyTokenInvalid(token)
            entry.used = True
            return user

    # -- sending --------------------------------------------------------------------------

    def month_key(self) -> str:
        return self.now().astimezone(JST).strftime("%Y-%m")

    def total_usage(self) -> int:
        return self.usage.get(self.month_key(), 0)

    def deliver_out(
        self, user: SimUser, messages: list[dict[str, Any]], via: str
    ) -> list[dict[str, str]]:
        """Bot messages into the user's chat; the ``sentMessages`` LINE answers with.
        A user who blocked the bot is accepted but receives nothing, as on LINE."""
        sent = []
        with self.lock:
            for message in messages:
                message_id = self.next_message_id()
                quote_token = secrets.token_urlsafe(24)
                stored = {**message, "id": message_id, "quoteToken": quote_token}
                item = ChatItem(self._next_seq(), "out", stored, self.now_ms(), via=via)
                item.delivered = user.friendship == "friend"
                user.chat.append(item)
                user.loading_until_ms = 0
                sent.append({"id": message_id, "quoteToken": quote_token})
        return sent

    def push(
        self,
        to: str,
        messages: list[dict[str, Any]],
        retry_key: str | None,
        request_id: str,
    ) -> list[dict[str, str]]:
        """A push, counted against the monthly limit (one per recipient, as LINE counts)."""
        with self.lock:
            if retry_key is not None and retry_key in self.retry_keys:
                accepted_id, sent = self.retry_keys[retry_key]
                raise RetryKeyAccepted(accepted_id, sent)
            user = self.users.get(to)
            if user is None:
                raise UnknownRecipient(to)
            month = self.month_key()
            if self.usage.get(month, 0) + 1 > self.monthly_limit:
                raise MonthlyLimitReached
            sent = self.deliver_out(user, messages, "push")
            if user.friendship == "friend":
                self.usage[month] = self.usage.get(month, 0) + 1
            if retry_key is not None:
                self.retry_keys[retry_key] = (request_id, sent)
            return sent

    def bot_messages(self, user_id: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            users = [self.users[user_id]] if user_id else list(self.users.values())
            return [
                {**chat_item_json(item), "user_id": user.user_id}
                for user in users
                if user is not None
                for item in user.chat
                if item.direction == "out"
            ]

    def record_delivery(self, delivery: Delivery) -> None:
        with self.lock:
            self.deliveries.append(delivery)
            del self.deliveries[:-200]  # a long demo must not grow without bound

    def find_delivery(self, webhook_event_id: str) -> Delivery | None:
        with self.lock:
            for delivery in reversed(self.deliveries):
                if webhook_event_id in delivery.webhook_event_ids:
                    return delivery
            return None


def chat_item_json(item: ChatItem) -> dict[str, Any]:
    return {
        "seq": item.seq,
        "direction": item.direction,
        "message": item.message,
        "at_ms": item.at_ms,
        "via": item.via or None,
        "unsent": item.unsent,
        "delivered": item.delivered,
        "read": item.read,
    }


def user_json(user: SimUser, now_ms: int) -> dict[str, Any]:
    return {
        "user_id": user.user_id,
        "display_name": user.display_name,
        "language": user.language,
        "friendship": user.friendship,
        "loading": user.loading_until_ms > now_ms,
    }


def new_request_id() -> str:
    """``X-Line-Request-Id``: LINE answers every call with one."""
    return str(uuid.uuid4())
