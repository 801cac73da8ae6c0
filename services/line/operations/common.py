"""Loading with tenant scoping, and the few helpers every LINE operation shares."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Forbidden, NotFound
from common.permissions import Perm
from common.principal import Principal
from services.line.domain.hours import Hours
from services.line.domain.pseudonyms import user_hash
from services.line.models import Channel, ChannelSecret, Conversation, OrgDirectoryEntry
from services.line.operations import LineDeps


def hours_of(channel: Channel) -> Hours:
    days = channel.closed_days.get("dates", []) if isinstance(channel.closed_days, dict) else []
    return Hours.of(
        channel.open_time,
        channel.close_time,
        (int(d) for d in channel.weekdays),
        (date.fromisoformat(d) for d in days),
    )


def pseudonym(deps: LineDeps, channel_id: uuid.UUID, line_user_id: str) -> str:
    return user_hash(deps.hash_key, channel_id, line_user_id)


def accepted_secrets(
    session: Session, deps: LineDeps, channel_id: uuid.UUID
) -> list[tuple[str, datetime | None]]:
    """The channel's secrets, opened, each with the end of its grace period (None for the
    current one); retired ones past their grace are left out."""
    cutoff = deps.clock() - deps.secret_grace
    rows = session.scalars(
        sa.select(ChannelSecret)
        .where(
            ChannelSecret.channel_id == channel_id,
            sa.or_(ChannelSecret.retired_at.is_(None), ChannelSecret.retired_at > cutoff),
        )
        .order_by(ChannelSecret.added_at.desc())
    )
    return [
        (
            deps.box.open(row.sealed),
            row.retired_at + deps.secret_grace if row.retired_at is not None else None,
        )
        for row in rows
    ]


def still_accepted(secrets: list[tuple[str, datetime | None]], now: datetime) -> list[str]:
    return [secret for secret, until in secrets if until is None or until > now]


def may_manage(session: Session, principal: Principal, org_id: uuid.UUID) -> bool:
    """An org admin manages their own org's channels; a consortium admin those of every
    org of their consortium (as the org directory knows it)."""
    if not principal.can(Perm.LINE_CHANNELS_MANAGE):
        return False
    if principal.org_id == org_id and "consortium_admin" not in principal.roles:
        return True
    if "consortium_admin" in principal.roles and principal.consortium_id is not None:
        entry = session.get(OrgDirectoryEntry, org_id)
        return entry is not None and entry.consortium_id == principal.consortium_id
    return False


def managed_channel(session: Session, principal: Principal, channel_id: uuid.UUID) -> Channel:
    """A channel the caller may manage; anything else is 404 (never 403 for another's)."""
    channel = session.get(Channel, channel_id)
    if channel is None or not may_manage(session, principal, channel.org_id):
        raise NotFound("No such channel")
    return channel


def desk_conversation(
    session: Session, principal: Principal, conversation_id: uuid.UUID, *, lock: bool = False
) -> Conversation:
    """A conversation of a channel of the caller's own org: the desk's staff only."""
    if principal.org_id is None:
        raise NotFound("No such conversation")
    stmt = sa.select(Conversation).where(
        Conversation.id == conversation_id, Conversation.org_id == principal.org_id
    )
    if lock:
        stmt = stmt.with_for_update()
    conversation = session.scalar(stmt)
    if conversation is None:
        raise NotFound("No such conversation")
    if not principal.can(Perm.LINE_DESK_ANSWER):
        raise Forbidden("Only the desk's counsellors answer its conversations")
    return conversation


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
