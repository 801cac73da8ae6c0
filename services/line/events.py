"""Facts the LINE service announces (docs/events.md). Pseudonymous by construction: a LINE
user is their keyed hash (domain.pseudonyms) or a conversation id, never their LINE id;
message content never leaves the service."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from common.clock import as_utc
from common.fiscal import fiscal_year_of
from common.messaging.envelope import Event
from common.messaging.outbox import record_event
from services.line.models import Channel, Conversation, OrgDirectoryEntry, OutboxEvent

PRODUCER = "line"
MESSAGE_TYPES = frozenset(
    {"text", "image", "video", "audio", "file", "location", "sticker", "postback"}
)


def _emit(
    session: Session,
    kind: str,
    channel: Channel,
    subject_id: uuid.UUID,
    data: dict[str, Any],
    *,
    actor_id: uuid.UUID | None = None,
) -> Event:
    entry = session.get(OrgDirectoryEntry, channel.org_id)
    event = Event(
        type=kind,
        producer=PRODUCER,
        org_id=channel.org_id,
        consortium_id=entry.consortium_id if entry is not None else None,
        actor_id=actor_id,
        subject_id=subject_id,
        data=data,
    )
    return record_event(session, OutboxEvent, event)


def _base(channel: Channel, user_hash: str, at: datetime) -> dict[str, Any]:
    """``at`` is the LINE event's own timestamp; its fiscal year is that of the JST date."""
    return {
        "channel_id": str(channel.id),
        "line_user_hash": user_hash,
        "at": as_utc(at).isoformat(),
        "fiscal_year": fiscal_year_of(at),
    }


def line_followed(
    session: Session, channel: Channel, user_hash: str, at: datetime, *, refollow: bool
) -> Event:
    data = _base(channel, user_hash, at) | {"refollow": refollow}
    return _emit(session, "line.followed", channel, channel.id, data)


def line_unfollowed(session: Session, channel: Channel, user_hash: str, at: datetime) -> Event:
    return _emit(session, "line.unfollowed", channel, channel.id, _base(channel, user_hash, at))


def line_message_received(
    session: Session,
    channel: Channel,
    user_hash: str,
    at: datetime,
    *,
    conversation_id: uuid.UUID,
    message_type: str,
    out_of_hours: bool,
) -> Event:
    data = _base(channel, user_hash, at) | {
        "conversation_id": str(conversation_id),
        "message_type": message_type if message_type in MESSAGE_TYPES else "other",
        "out_of_hours": out_of_hours,
    }
    return _emit(session, "line.message_received", channel, conversation_id, data)


def conversation_opened(
    session: Session, channel: Channel, user_hash: str, conversation: Conversation
) -> Event:
    data = _base(channel, user_hash, conversation.opened_at) | {
        "conversation_id": str(conversation.id),
        "out_of_hours": conversation.out_of_hours,
    }
    return _emit(session, "line.conversation_opened", channel, conversation.id, data)


def conversation_closed(
    session: Session,
    channel: Channel,
    user_hash: str,
    conversation: Conversation,
    *,
    messages_in: int,
    messages_out: int,
    actor_id: uuid.UUID,
) -> Event:
    assert conversation.closed_at is not None
    data = _base(channel, user_hash, conversation.closed_at) | {
        "conversation_id": str(conversation.id),
        "opened_at": as_utc(conversation.opened_at).isoformat(),
        "messages_in": messages_in,
        "messages_out": messages_out,
        "case_id": str(conversation.case_id) if conversation.case_id else None,
    }
    return _emit(
        session, "line.conversation_closed", channel, conversation.id, data, actor_id=actor_id
    )
