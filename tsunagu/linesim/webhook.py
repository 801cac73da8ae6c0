"""Webhook bodies as the LINE platform sends them: built, serialised, signed and posted.

LINE serialises compactly with every non-ASCII character as a ``\\uXXXX`` escape (emoji as
surrogate pairs), and signs exactly the bytes it sends: ``X-Line-Signature`` is
base64(HMAC-SHA256(channel secret, raw body)). A receiver that re-serialises before
checking breaks the signature, which is the point of sending it this way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from tsunagu.linesim.state import Delivery, SimulatorState, SimUser, ulid

WEBHOOK_TIMEOUT_SECONDS = 5
"""LINE waits about 2 s; a little more here so a slow debugger session still gets its event."""


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    channel_secret: str
    destination: str  # the bot's user id


def serialise(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def signature(channel_secret: str, raw_body: bytes) -> str:
    digest = hmac.new(channel_secret.encode("utf-8"), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def base_event(state: SimulatorState, event_type: str, user: SimUser) -> dict[str, Any]:
    now_ms = state.now_ms()
    return {
        "type": event_type,
        "mode": "active",
        "timestamp": now_ms,
        "source": {"type": "user", "userId": user.user_id},
        "webhookEventId": ulid(now_ms),
        "deliveryContext": {"isRedelivery": False},
    }


def follow_event(state: SimulatorState, user: SimUser, is_unblocked: bool) -> dict[str, Any]:
    event = base_event(state, "follow", user)
    event["replyToken"] = state.issue_reply_token(user.user_id)
    event["follow"] = {"isUnblocked": is_unblocked}
    return event


def unfollow_event(state: SimulatorState, user: SimUser) -> dict[str, Any]:
    return base_event(state, "unfollow", user)  # no reply token: the user has left


def message_event(state: SimulatorState, user: SimUser, message: dict[str, Any]) -> dict[str, Any]:
    event = base_event(state, "message", user)
    event["replyToken"] = state.issue_reply_token(user.user_id)
    event["message"] = message
    return event


def postback_event(
    state: SimulatorState, user: SimUser, data: str, params: dict[str, str] | None
) -> dict[str, Any]:
    event = base_event(state, "postback", user)
    event["replyToken"] = state.issue_reply_token(user.user_id)
    event["postback"] = {"data": data, **({"params": params} if params else {})}
    return event


def unsend_event(state: SimulatorState, user: SimUser, message_id: str) -> dict[str, Any]:
    event = base_event(state, "unsend", user)
    event["unsend"] = {"messageId": message_id}
    return event


def new_quote_token() -> str:
    return secrets.token_urlsafe(96)[:128]


def post(target: WebhookTarget, raw_body: bytes) -> tuple[int | None, str | None]:
    """POST the signed body; (status, error). A refused connection is reported, not raised:
    on LINE a failed delivery is visible in the console, not an error in the user's app."""
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's own setting
        target.url,
        data=raw_body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Line-Signature": signature(target.channel_secret, raw_body),
            "User-Agent": "LineBotWebhook/2.0",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as answer:  # noqa: S310
            return answer.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, str(reason)


def send(state: SimulatorState, target: WebhookTarget, events: list[dict[str, Any]]) -> Delivery:
    body = {"destination": target.destination, "events": events}
    status, error = post(target, serialise(body))
    delivery = Delivery(
        [e["webhookEventId"] for e in events], events, status, error, state.now_ms()
    )
    state.record_delivery(delivery)
    return delivery


def redeliver(state: SimulatorState, target: WebhookTarget, delivery: Delivery) -> Delivery:
    """The same events again, flagged ``isRedelivery`` (LINE's redelivery keeps the
    ``webhookEventId`` so receivers can drop the duplicate)."""
    events = [{**event, "deliveryContext": {"isRedelivery": True}} for event in delivery.events]
    return send(state, target, events)


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "webhook_event_ids": delivery.webhook_event_ids,
        "events": delivery.events,
        "status": delivery.status,
        "error": delivery.error,
        "at_ms": delivery.at_ms,
    }
