"""The webhook: verify, store each raw event, answer — then, in the worker, parse each stored
event on its own with line-bot-sdk and apply it, oldest event ``timestamp`` first.

A redelivered event (same ``webhookEventId``) is not stored twice. An event the SDK cannot
parse is kept and flagged (``unknown`` or ``invalid``) and never holds up the others."""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from linebot.v3.webhooks import (
    AudioMessageContent,
    FileMessageContent,
    FollowEvent,
    ImageMessageContent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
    UnsendEvent,
    UserSource,
    VideoMessageContent,
)
from linebot.v3.webhooks import (
    Event as LineEvent,
)
from pydantic.v1 import ValidationError as SdkValidationError
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from common.audit import record_audit
from common.errors import DomainError, NotFound, Unauthenticated
from common.fiscal import fiscal_year_of
from services.line import events
from services.line.domain.hours import Hours, out_of_hours_text
from services.line.domain.risk import ORDER, Risk, raised, risk_of_text
from services.line.domain.webhook import (
    MalformedBody,
    redacted,
    signature_matches,
    split_events,
)
from services.line.models import (
    AuditEntry,
    Channel,
    Conversation,
    Delivery,
    FriendLedgerEntry,
    LineUser,
    Media,
    Message,
    Unsent,
    WebhookEvent,
)
from services.line.operations import LineDeps
from services.line.operations.common import (
    accepted_secrets,
    hours_of,
    pseudonym,
    still_accepted,
)

log = logging.getLogger(__name__)

APPLY_BATCH = 100
"""Events per round: small enough that a stopping worker finishes its round in seconds."""
RAW_KEPT_DAYS = 30
"""Raw events are erased (their columns stay, for deduplication) a month after they arrived:
long after LINE's last redelivery, long enough to diagnose a flagged one."""
SQLITE_GAP_SECONDS = 0.005
PG_COMMIT_EVERY = 20
MEDIA_TYPES = frozenset({"image", "video", "audio", "file"})


class BadWebhookBody(DomainError):
    status = 400
    title = "Not a LINE webhook body"
    code = "webhook_body_invalid"


# --- the web side: verify and store ---------------------------------------------------------


def receive_webhook(
    session: Session,
    deps: LineDeps,
    channel_id: uuid.UUID,
    body: bytes,
    signature: str | None,
) -> int:
    """Store the body's events if its signature is the channel's; how many were new."""
    now = deps.clock()
    cached = deps.secrets.get(channel_id)
    if cached is None or not signature_matches(body, signature, still_accepted(cached, now)):
        channel = session.get(Channel, channel_id)
        if channel is None:
            session.rollback()
            raise NotFound("No such channel")
        secrets = accepted_secrets(session, deps, channel.id)
        session.rollback()  # nothing written yet: end the read before the signature decides
        deps.secrets.put(channel_id, secrets)
        if not signature_matches(body, signature, still_accepted(secrets, now)):
            raise Unauthenticated("Missing or wrong X-Line-Signature", code="signature_invalid")
    try:
        raw_events = split_events(body)
    except MalformedBody as exc:
        raise BadWebhookBody(str(exc)) from exc
    if not raw_events:  # LINE's "Verify" button sends an empty list
        session.rollback()
        return 0
    rows = [
        {
            "channel_id": channel_id,
            "webhook_event_id": e.webhook_event_id,
            "event_type": e.event_type,
            "timestamp_ms": e.timestamp_ms,
            "raw": deps.box.seal(e.raw),
            "line_message_id": e.line_message_id,
            "redelivery": e.redelivery,
            "received_at": now,
            "status": "invalid" if e.problem else "pending",
            "problem": e.problem,
        }
        for e in raw_events
    ]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    result = session.execute(
        insert(WebhookEvent)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["channel_id", "webhook_event_id"])
    )
    session.commit()
    return max(int(getattr(result, "rowcount", 0) or 0), 0)


# --- the worker side: parse and apply --------------------------------------------------------


def apply_pending(factory: sessionmaker[Session], deps: LineDeps, limit: int = APPLY_BATCH) -> int:
    """Apply stored events, oldest ``timestamp`` first, each in its own transaction. Events
    are parsed before their transaction begins, so the write lock (SQLite) is held only for
    the writes themselves and the webhook's inserts wait as little as possible."""
    with factory() as session:
        pending = session.execute(
            sa.select(WebhookEvent.seq, WebhookEvent.raw)
            .where(WebhookEvent.status == "pending")
            .order_by(WebhookEvent.timestamp_ms, WebhookEvent.seq)
            .limit(limit)
        ).all()
    applied = 0
    # SQLite has one writer at a time and its waiters poll with growing sleeps: a short gap
    # after each event lets the webhook's inserts in, instead of queueing behind a batch.
    on_sqlite = _is_sqlite(factory)
    # SQLite: a transaction per event and a gap after it, so the webhook's inserts get the one
    # write lock between events. PostgreSQL: rows are locked, not the table, so events are
    # committed a few at a time (each still in its own savepoint) to spare commits.
    gap = SQLITE_GAP_SECONDS if on_sqlite else 0.0
    every = 1 if on_sqlite else PG_COMMIT_EVERY
    # One session for the round: the channel and the org directory entry stay loaded.
    with factory() as session:
        for n, (seq, raw) in enumerate(pending, start=1):
            parsed = parse_event(deps.box.open(raw))
            applied += apply_one(session, deps, seq, parsed, commit=n % every == 0)
            if gap:
                time.sleep(gap)
        session.commit()
    return applied


def _is_sqlite(factory: sessionmaker[Session]) -> bool:
    bind = factory.kw.get("bind")
    return bind is not None and bind.dialect.name == "sqlite"


def apply_one(
    session: Session,
    deps: LineDeps,
    seq: int,
    parsed: tuple[Any, str, str | None] | None = None,
    *,
    commit: bool = True,
) -> int:
    row = session.scalar(
        sa.select(WebhookEvent)
        .where(WebhookEvent.seq == seq, WebhookEvent.status == "pending")
        .with_for_update(skip_locked=True)
    )
    if row is None:  # another worker has it, or had it
        if commit:
            session.commit()  # ends the read (and SQLite's lock); keeps what came before
        return 0
    event, status, problem = parsed or parse_event(deps.box.open(row.raw))
    if event is None:
        _finish(row, status, problem, deps.clock())
        if commit:
            session.commit()
        return 0
    try:
        with session.begin_nested():
            status = _apply(session, deps, row, event)
    except Exception as exc:  # a bug or a constraint: flagged and kept, the others go on
        log.warning(
            "LINE event could not be applied",
            extra={"webhook_event_seq": row.seq, "error_type": type(exc).__name__},
        )
        status, problem = "failed", f"could not be applied: {type(exc).__name__}"
    _finish(row, status, problem, deps.clock())
    if commit:
        session.commit()
    return 1 if status == "applied" else 0


def _finish(row: WebhookEvent, status: str, problem: str | None, now: datetime) -> None:
    row.status = status
    row.problem = problem
    row.applied_at = now


def parse_event(raw: str) -> tuple[Any, str, str | None]:
    """The SDK's event object, or None with the flag and a reason free of personal data."""
    try:
        document = json.loads(raw)
    except ValueError:
        return None, "invalid", "not JSON"
    try:
        return LineEvent.from_dict(document), "pending", None
    except SdkValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})
        return None, "invalid", ("invalid: " + ", ".join(fields))[:200]
    except ValueError:
        # The SDK knows no such event (or message) type; its message quotes the whole event,
        # user id and all, so it is not kept.
        return None, "unknown", "an event type the SDK does not know"
    except (TypeError, KeyError, AttributeError) as exc:
        return None, "invalid", f"invalid: {type(exc).__name__}"


def _moment(timestamp_ms: int) -> datetime:
    return datetime.fromtimestamp(timestamp_ms / 1000, UTC)


def _apply(session: Session, deps: LineDeps, row: WebhookEvent, event: Any) -> str:
    channel = session.get(Channel, row.channel_id)
    if channel is None:
        return "ignored"
    if getattr(event, "mode", "active") == "standby":
        return "ignored"  # another channel (a module) answers this user now
    source = event.source
    if not isinstance(source, UserSource) or not source.user_id:
        return "ignored"  # groups and rooms: the desk answers one person at a time
    at = _moment(int(event.timestamp))
    user = _line_user(session, deps, channel, source.user_id, at)
    if isinstance(event, FollowEvent):
        _follow(session, channel, user, row, at, refollow=bool(event.follow.is_unblocked))
    elif isinstance(event, UnfollowEvent):
        _unfollow(session, channel, user, row, at)
    elif isinstance(event, MessageEvent):
        if _message(session, deps, channel, user, event, at):  # already taken back
            row.raw = deps.box.seal(redacted(deps.box.open(row.raw)))
    elif isinstance(event, PostbackEvent):
        _postback(session, deps, channel, user, event, at)
    elif isinstance(event, UnsendEvent):
        _unsend(session, deps, channel, event.unsend.message_id)
    else:
        return "ignored"
    return "applied"


def _line_user(
    session: Session, deps: LineDeps, channel: Channel, line_user_id: str, at: datetime
) -> LineUser:
    key = pseudonym(deps, channel.id, line_user_id)
    # Locked: two workers never apply the same user's events at once (one conversation each).
    query = (
        sa.select(LineUser)
        .where(LineUser.channel_id == channel.id, LineUser.user_hash == key)
        .with_for_update()
    )
    user = session.scalar(query)
    if user is not None:
        return user
    try:
        with session.begin_nested():
            user = LineUser(
                channel_id=channel.id,
                user_hash=key,
                line_user_id_sealed=deps.box.seal(line_user_id),
                first_seen_at=at,
            )
            session.add(user)
            session.flush()
    except sa_exc.IntegrityError:
        user = session.scalar(query)  # another worker met this user at the same moment
        if user is None:
            raise
    return user


def _ledger(
    session: Session, channel: Channel, user: LineUser, row: WebhookEvent, kind: str, at: datetime
) -> None:
    session.add(
        FriendLedgerEntry(
            channel_id=channel.id,
            org_id=channel.org_id,
            line_user_id=user.id,
            kind=kind,
            at=at,
            fiscal_year=fiscal_year_of(at),
            webhook_event_seq=row.seq,
        )
    )


def _follow(
    session: Session,
    channel: Channel,
    user: LineUser,
    row: WebhookEvent,
    at: datetime,
    *,
    refollow: bool,
) -> None:
    _ledger(session, channel, user, row, "refollow" if refollow else "follow", at)
    if row.timestamp_ms >= user.friend_as_of:  # a late, older event does not undo a newer one
        user.friend, user.friend_as_of = True, row.timestamp_ms
    events.line_followed(session, channel, user.user_hash, at, refollow=refollow)


def _unfollow(
    session: Session, channel: Channel, user: LineUser, row: WebhookEvent, at: datetime
) -> None:
    _ledger(session, channel, user, row, "unfollow", at)
    if row.timestamp_ms >= user.friend_as_of:
        user.friend, user.friend_as_of = False, row.timestamp_ms
    events.line_unfollowed(session, channel, user.user_hash, at)


def _conversation(
    session: Session, channel: Channel, user: LineUser, at: datetime
) -> tuple[Conversation, bool]:
    """The user's conversation that is not closed, or a new one waiting for the desk (and
    whether it is new)."""
    current = session.scalar(
        sa.select(Conversation)
        .where(Conversation.line_user_id == user.id, Conversation.status != "closed")
        .order_by(Conversation.opened_at.desc())
        .limit(1)
    )
    if current is not None:
        return current, False
    conversation = Conversation(
        id=uuid.uuid4(),
        channel_id=channel.id,
        org_id=channel.org_id,
        line_user_id=user.id,
        status="waiting",
        risk=Risk.NONE.value,
        risk_order=ORDER[Risk.NONE],
        queue_at=at,
        waiting_since=at,
        last_message_at=at,
        opened_at=at,
    )
    session.add(conversation)
    session.flush()
    return conversation, True


def _inbound(
    session: Session,
    deps: LineDeps,
    channel: Channel,
    user: LineUser,
    at: datetime,
    reply_token: str | None,
    message: Message,
    risk: Risk,
) -> Conversation:
    """File an inbound message in its conversation and answer out of hours (once per
    waiting period, through the reply token only)."""
    conversation, new = _conversation(session, channel, user, at)
    message.conversation_id = conversation.id
    session.add(message)
    if conversation.waiting_since is None:  # the desk had answered: a new waiting period
        conversation.waiting_since = at
        conversation.queue_at = at
        conversation.out_of_hours_answered = False
    elif at < conversation.waiting_since:  # an older message redelivered late
        conversation.waiting_since = at
        conversation.queue_at = at
    conversation.last_message_at = max(conversation.last_message_at, at)
    conversation.unread += 1
    level = raised(conversation.risk, risk)
    conversation.risk, conversation.risk_order = level.value, ORDER[level]
    if reply_token and (conversation.reply_token_at is None or at >= conversation.reply_token_at):
        conversation.reply_token, conversation.reply_token_at = reply_token, at
    hours = hours_of(channel)
    if not hours.is_open(at):
        conversation.out_of_hours = True
        if not conversation.out_of_hours_answered and conversation.reply_token:
            _answer_out_of_hours(session, channel, conversation, hours, at, deps.clock())
    if new:
        events.conversation_opened(session, channel, user.user_hash, conversation)
    session.flush()
    return conversation


def _answer_out_of_hours(
    session: Session,
    channel: Channel,
    conversation: Conversation,
    hours: Hours,
    at: datetime,
    now: datetime,
) -> None:
    answer = Message(
        id=uuid.uuid4(),
        conversation_id=conversation.id,
        channel_id=channel.id,
        direction="out",
        type="text",
        text=out_of_hours_text(channel.out_of_hours_message, hours),
        details={"system": "out_of_hours"},
        at=at,
        delivery="queued",
    )
    session.add(answer)
    session.flush()
    session.add(
        Delivery(
            channel_id=channel.id,
            conversation_id=conversation.id,
            message_id=answer.id,
            reply_token=conversation.reply_token,
            reply_token_at=conversation.reply_token_at,
            reply_only=True,
            next_attempt_at=now,
            created_at=now,
        )
    )
    conversation.out_of_hours_answered = True
    conversation.reply_token = None  # a reply token answers once


def _message(
    session: Session, deps: LineDeps, channel: Channel, user: LineUser, event: Any, at: datetime
) -> bool:
    """File the message; True when its unsend came first (it is stored erased)."""
    content = event.message
    kind, text, details = _content(content)
    line_message_id = str(content.id)
    unsent = session.scalar(
        sa.select(Unsent.id).where(
            Unsent.channel_id == channel.id, Unsent.line_message_id == line_message_id
        )
    )
    message = Message(
        id=uuid.uuid4(),
        channel_id=channel.id,
        direction="in",
        type=kind,
        text=None if unsent else text,
        details={} if unsent else details,
        line_message_id=line_message_id,
        at=at,
        redacted_at=at if unsent else None,
    )
    risk = risk_of_text(text) if text and not unsent else Risk.NONE
    conversation = _inbound(session, deps, channel, user, at, event.reply_token, message, risk)
    provider = getattr(getattr(content, "content_provider", None), "type", "line")
    if kind in MEDIA_TYPES and provider == "line" and not unsent:
        session.add(
            Media(
                message_id=message.id,
                channel_id=channel.id,
                line_message_id=line_message_id,
                next_attempt_at=deps.clock(),
            )
        )
    events.line_message_received(
        session,
        channel,
        user.user_hash,
        at,
        conversation_id=conversation.id,
        message_type=kind,
        out_of_hours=not hours_of(channel).is_open(at),
    )
    return unsent is not None


def _content(content: Any) -> tuple[str, str | None, dict[str, Any]]:
    """(type, text, details) of a message, by its type."""
    if isinstance(content, TextMessageContent):
        return "text", content.text, {}
    if isinstance(content, StickerMessageContent):
        return "sticker", None, {"package_id": content.package_id, "sticker_id": content.sticker_id}
    if isinstance(content, FileMessageContent):
        return "file", None, {"file_name": content.file_name, "file_size": content.file_size}
    if isinstance(content, ImageMessageContent):
        return "image", None, {}
    if isinstance(content, VideoMessageContent):
        return "video", None, {"duration_ms": content.duration}
    if isinstance(content, AudioMessageContent):
        return "audio", None, {"duration_ms": content.duration}
    if isinstance(content, LocationMessageContent):
        return "location", None, {"title": content.title, "address": content.address}
    return "other", None, {"line_type": str(getattr(content, "type", "unknown"))[:40]}


def _postback(
    session: Session, deps: LineDeps, channel: Channel, user: LineUser, event: Any, at: datetime
) -> None:
    message = Message(
        id=uuid.uuid4(),
        channel_id=channel.id,
        direction="in",
        type="postback",
        text=None,
        details={"data": str(event.postback.data)[:300]},
        at=at,
    )
    conversation = _inbound(session, deps, channel, user, at, event.reply_token, message, Risk.NONE)
    events.line_message_received(
        session,
        channel,
        user.user_hash,
        at,
        conversation_id=conversation.id,
        message_type="postback",
        out_of_hours=not hours_of(channel).is_open(at),
    )


def _unsend(session: Session, deps: LineDeps, channel: Channel, line_message_id: str) -> None:
    """The user took a message back: erase it everywhere we hold it (text, details, media,
    the raw webhook event), and remember the id in case the message itself arrives later."""
    now = deps.clock()
    for stored in session.scalars(
        sa.select(WebhookEvent).where(
            WebhookEvent.channel_id == channel.id,
            WebhookEvent.line_message_id == line_message_id,
            # one still pending erases its own raw when applied (it finds the Unsent row)
            WebhookEvent.status != "pending",
        )
    ):
        stored.raw = deps.box.seal(redacted(deps.box.open(stored.raw)))
    exists = sa.select(Unsent.id).where(
        Unsent.channel_id == channel.id, Unsent.line_message_id == line_message_id
    )
    if session.scalar(exists) is None:
        session.add(Unsent(channel_id=channel.id, line_message_id=line_message_id))
    message = session.scalar(
        sa.select(Message).where(
            Message.channel_id == channel.id, Message.line_message_id == line_message_id
        )
    )
    if message is None:
        return
    message.text = None
    message.details = {}
    message.redacted_at = message.redacted_at or now
    media = session.scalar(sa.select(Media).where(Media.message_id == message.id))
    if media is not None:
        media.content, media.sha256, media.size, media.status = None, None, None, "erased"
    record_audit(
        session,
        AuditEntry,
        action="line.message.unsent",
        resource_type="line_message",
        resource_id=message.id,
        org_id=channel.org_id,
    )


def erase_old_raw(factory: sessionmaker[Session], deps: LineDeps) -> int:
    """Erase the raw bodies of settled events older than ``RAW_KEPT_DAYS``."""
    cutoff = deps.clock() - timedelta(days=RAW_KEPT_DAYS)
    with factory() as session:
        result = session.execute(
            sa.update(WebhookEvent)
            .where(
                WebhookEvent.received_at < cutoff,
                WebhookEvent.status != "pending",
                WebhookEvent.raw != "",
            )
            .values(raw="")
        )
        session.commit()
        return max(int(getattr(result, "rowcount", 0) or 0), 0)
