"""Tables of the LINE service: channels, the raw webhook events as received, LINE users (their
ids sealed, known elsewhere only by a keyed hash), the friend ledger, conversations and their
messages, downloaded media, and the durable queue of messages to send."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.audit import AuditMixin
from common.clock import utcnow
from common.db import TYPE_ANNOTATION_MAP, new_metadata
from common.idempotency import IdempotentRequestMixin
from common.messaging.outbox import OutboxMixin, ProcessedEventMixin
from common.orgdirectory import OrgDirectoryMixin
from common.revocation import RevokedCredentialMixin

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP | {dict[str, Any]: sa.JSON(), date: sa.Date()}


class Channel(Base):
    """A LINE official account (one Messaging API channel) answered by one organization's
    desk. Secrets are sealed with the data key (common.datakey) and never leave the service."""

    __tablename__ = "channels"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    line_channel_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    """LINE's own channel id (digits), as shown in the LINE Developers console."""
    bot_user_id: Mapped[str] = mapped_column(sa.String(64))
    """The bot's user id, the ``destination`` of every webhook body."""
    access_token_sealed: Mapped[str] = mapped_column(sa.Text())
    open_time: Mapped[str] = mapped_column(sa.String(5), default="16:00")
    """HH:MM JST; a close earlier than the open means the desk is open over midnight."""
    close_time: Mapped[str] = mapped_column(sa.String(5), default="21:00")
    weekdays: Mapped[str] = mapped_column(sa.String(7), default="0123456")
    """The days a shift starts on, Monday = 0, as digits."""
    closed_days: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """``{"dates": ["YYYY-MM-DD", ...]}``: holidays on which no shift starts."""
    out_of_hours_message: Mapped[str | None] = mapped_column(sa.Text())
    """None: the default text (domain.hours.DEFAULT_OUT_OF_HOURS_MESSAGE)."""
    assignment_cap: Mapped[int] = mapped_column(default=2)
    """How many open conversations one counsellor may hold at once."""
    quota_type: Mapped[str | None] = mapped_column(sa.String(16))
    quota_value: Mapped[int | None]
    """The month's message quota as LINE last reported it (None: unlimited or not read yet)."""
    quota_consumed: Mapped[int | None]
    quota_read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ChannelSecret(Base):
    """A channel secret, sealed. Several are accepted while a rotation is under way: the
    newest and any retired less than the grace period ago."""

    __tablename__ = "channel_secrets"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    channel_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("channels.id"), index=True)
    sealed: Mapped[str] = mapped_column(sa.Text())
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    """Set when a newer secret replaced it; accepted until then + the grace period."""


class WebhookEvent(Base):
    """One event of a webhook body, stored before anything is made of it. ``status``:
    ``pending`` → ``applied`` | ``ignored`` (a kind the desk does not use) | ``invalid`` |
    ``unknown`` (an event type the SDK does not know)."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        sa.UniqueConstraint("channel_id", "webhook_event_id"),
        sa.Index("ix_webhook_events_pending", "status", "timestamp_ms"),
        sa.Index("ix_webhook_events_message", "channel_id", "line_message_id"),
    )

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("channels.id"))
    webhook_event_id: Mapped[str] = mapped_column(sa.String(64))
    """LINE's ``webhookEventId``; a redelivery carries the same one and is not stored twice."""
    event_type: Mapped[str] = mapped_column(sa.String(40))
    timestamp_ms: Mapped[int] = mapped_column(sa.BigInteger())
    """The event's own ``timestamp`` (ms since the epoch): events are applied in this order."""
    raw: Mapped[str] = mapped_column(sa.Text())
    """The event object as LINE sent it (JSON), sealed with the data key: it holds the LINE
    user id and what they wrote. Erased down to its envelope on unsend and after
    ``RAW_KEPT_DAYS`` (operations.intake)."""
    line_message_id: Mapped[str | None] = mapped_column(sa.String(64))
    redelivery: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    problem: Mapped[str | None] = mapped_column(sa.String(200))
    """Why it was flagged (no personal data: the error's kind and field names)."""
    applied_at: Mapped[datetime | None]


class LineUser(Base):
    """A LINE user who talks to a channel. The LINE user id is sealed; ``user_hash`` (HMAC-SHA256
    keyed by the data key, per channel) is how the user is known anywhere else."""

    __tablename__ = "line_users"
    __table_args__ = (sa.UniqueConstraint("channel_id", "user_hash"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    channel_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("channels.id"))
    user_hash: Mapped[str] = mapped_column(sa.String(64))
    line_user_id_sealed: Mapped[str] = mapped_column(sa.Text())
    friend: Mapped[bool] = mapped_column(default=False)
    """Whether the user follows the account now (False after a block)."""
    friend_as_of: Mapped[int] = mapped_column(sa.BigInteger(), default=0)
    """The timestamp (ms) of the follow/unfollow that set ``friend``: an older one arriving
    late does not undo a newer one."""
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class FriendLedgerEntry(Base):
    """友だち追加・ブロック: one row per follow, re-follow or block, by its JST fiscal year."""

    __tablename__ = "friend_ledger"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    channel_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("channels.id"), index=True)
    org_id: Mapped[uuid.UUID] = mapped_column(index=True)
    line_user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("line_users.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    """``follow`` (a new friend), ``refollow`` (after a block) or ``unfollow``."""
    at: Mapped[datetime]
    fiscal_year: Mapped[int]
    webhook_event_seq: Mapped[int] = mapped_column(BigId, unique=True)


class Conversation(Base):
    """A LINE user's consultation with the desk: ``waiting`` → ``open`` (assigned) →
    ``closed``. A message after the close opens a new one."""

    __tablename__ = "conversations"
    __table_args__ = (sa.Index("ix_conversations_queue", "org_id", "status", "risk_order"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    channel_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("channels.id"), index=True)
    org_id: Mapped[uuid.UUID]
    line_user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("line_users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="waiting")
    risk: Mapped[str] = mapped_column(sa.String(8), default="none")
    risk_order: Mapped[int] = mapped_column(default=2)
    """0 high, 1 watch, 2 none: the queue's first sort key."""
    queue_at: Mapped[datetime]
    """Since when it waits (its second sort key): the first unanswered message."""
    waiting_since: Mapped[datetime | None]
    """The first inbound message not yet answered; None once the desk has answered."""
    last_message_at: Mapped[datetime]
    assigned_to: Mapped[uuid.UUID | None] = mapped_column(index=True)
    unread: Mapped[int] = mapped_column(default=0)
    out_of_hours: Mapped[bool] = mapped_column(default=False)
    out_of_hours_answered: Mapped[bool] = mapped_column(default=False)
    """The out-of-hours answer went out in this waiting period (once per period)."""
    reply_token: Mapped[str | None] = mapped_column(sa.String(64))
    """The newest inbound event's reply token, usable once and only for about a minute."""
    reply_token_at: Mapped[datetime | None]
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    summary: Mapped[str | None] = mapped_column(sa.Text())
    case_id: Mapped[uuid.UUID | None]
    """The case opened from this conversation (in the cases service), if any."""


class Message(Base):
    """One message in a conversation, either way. Unsent by the user: the content is erased
    and ``redacted_at`` set; the row stays so the conversation keeps its shape."""

    __tablename__ = "messages"
    __table_args__ = (sa.UniqueConstraint("channel_id", "line_message_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("conversations.id"), index=True
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("channels.id"))
    direction: Mapped[str] = mapped_column(sa.String(4))
    """``in`` from the LINE user, ``out`` from the desk."""
    type: Mapped[str] = mapped_column(sa.String(16))
    text: Mapped[str | None] = mapped_column(sa.Text())
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """By type: sticker ids, file name and size, postback data, location."""
    line_message_id: Mapped[str | None] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(index=True)
    by: Mapped[uuid.UUID | None]
    """The counsellor who wrote an outbound message (None: the system's own answer)."""
    delivery: Mapped[str | None] = mapped_column(sa.String(16))
    """Outbound only: ``queued``, ``sent`` or ``failed``."""
    redacted_at: Mapped[datetime | None]


class Unsent(Base):
    """A message the LINE user took back, remembered in case its ``message`` event arrives
    after the ``unsend`` (events are redelivered out of order)."""

    __tablename__ = "unsent"
    __table_args__ = (sa.UniqueConstraint("channel_id", "line_message_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    channel_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("channels.id"))
    line_message_id: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Media(Base):
    """An image, video, audio or file a LINE user sent, downloaded into our own store (LINE
    keeps it only for a limited time)."""

    __tablename__ = "media"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    message_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("messages.id"), unique=True)
    channel_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("channels.id"))
    line_message_id: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    """``pending`` → ``stored`` | ``failed`` (gave up) | ``erased`` (unsent)."""
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary())
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    fetched_at: Mapped[datetime | None]


class Delivery(Base):
    """A message waiting to reach a LINE user: the sending worker's durable queue. A LINE
    outage delays it; nothing drops it but a refusal that no retry can change."""

    __tablename__ = "deliveries"
    __table_args__ = (sa.Index("ix_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    channel_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("channels.id"))
    conversation_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("conversations.id"))
    message_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("messages.id"), unique=True)
    reply_token: Mapped[str | None] = mapped_column(sa.String(64))
    reply_token_at: Mapped[datetime | None]
    reply_only: Mapped[bool] = mapped_column(default=False)
    """The out-of-hours answer: free through the reply token or not at all (never a push)."""
    retry_key: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4)
    """``X-Line-Retry-Key`` of the push: the same on every attempt, so LINE sends it once."""
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    """``queued`` → ``sent`` | ``failed`` | ``over_quota`` (held: the monthly limit) |
    ``expired`` (a reply-only message whose token went stale)."""
    via: Mapped[str | None] = mapped_column(sa.String(8))
    """``reply`` (free) or ``push`` (counts against the monthly quota)."""
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)


class AuditEntry(AuditMixin, Base):
    pass


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class OrgDirectoryEntry(OrgDirectoryMixin, Base):
    pass


class RevokedCredential(RevokedCredentialMixin, Base):
    pass


class IdempotentRequest(IdempotentRequestMixin, Base):
    """Answers to POSTs sent with an Idempotency-Key (common/idempotency.py): a counsellor's
    retried answer is sent to the LINE user once."""
