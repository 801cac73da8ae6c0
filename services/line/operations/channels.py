"""Registering and changing a desk's LINE channel. Secrets go in sealed and never come out:
not in an answer, a log line or the audit log (which records only which fields changed)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.audit import record_audit
from common.clock import utcnow
from common.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from common.pagination import keyset_list
from common.permissions import Perm
from common.principal import Principal
from services.line.domain.sending import quota_warning
from services.line.models import (
    AuditEntry,
    Channel,
    ChannelSecret,
    Delivery,
    FriendLedgerEntry,
    LineUser,
    OrgDirectoryEntry,
)
from services.line.operations import LineDeps
from services.line.operations.common import hours_of, iso, managed_channel, may_manage
from services.line.schemas import ChannelCreate, ChannelPatch, ChannelQuery, HoursBody


def _apply_hours(channel: Channel, hours: HoursBody) -> None:
    rule = hours.to_hours()
    channel.open_time = f"{rule.open:%H:%M}"
    channel.close_time = f"{rule.close:%H:%M}"
    channel.weekdays = "".join(str(d) for d in sorted(rule.weekdays))
    channel.closed_days = {"dates": sorted(d.isoformat() for d in rule.closed_days)}


def month_start(moment: datetime) -> datetime:
    """The first instant of the month LINE counts its quota in (JST)."""
    from common.clock import JST, as_utc

    local = as_utc(moment).astimezone(JST)
    return as_utc(local.replace(day=1, hour=0, minute=0, second=0, microsecond=0))


def shape(session: Session, channel: Channel, deps: LineDeps) -> dict[str, Any]:
    pushes = session.scalar(
        sa.select(sa.func.count())
        .select_from(Delivery)
        .where(
            Delivery.channel_id == channel.id,
            Delivery.via == "push",
            Delivery.status == "sent",
            Delivery.sent_at >= month_start(deps.clock()),
        )
    )
    return {
        "id": str(channel.id),
        "org_id": str(channel.org_id),
        "name": channel.name,
        "channel_id": channel.line_channel_id,
        "bot_user_id": channel.bot_user_id,
        "webhook_url": f"{deps.public_url}/line/webhook/{channel.id}",
        "hours": hours_of(channel).as_dict(),
        "out_of_hours_message": channel.out_of_hours_message,
        "assignment_cap": channel.assignment_cap,
        "usage": {
            "pushes_this_month": int(pushes or 0),
            "quota": channel.quota_value,
            "quota_type": channel.quota_type,
            "consumed": channel.quota_consumed,
            "read_at": iso(channel.quota_read_at),
            "warning": quota_warning(channel.quota_value, channel.quota_consumed),
        },
        "created_at": iso(channel.created_at),
    }


def create_channel(
    session: Session, principal: Principal, deps: LineDeps, body: ChannelCreate
) -> dict[str, Any]:
    if not may_manage(session, principal, body.org_id):
        # Another consortium's org, or an org the caller does not administer: unknown to them.
        raise NotFound("No such organization")
    exists = sa.select(Channel.id).where(Channel.line_channel_id == body.channel_id)
    if session.scalar(exists) is not None:
        raise Conflict("This LINE channel is already registered", code="channel_registered")
    now = utcnow()
    channel = Channel(
        id=uuid.uuid4(),
        org_id=body.org_id,
        name=body.name,
        line_channel_id=body.channel_id,
        bot_user_id=body.bot_user_id,
        access_token_sealed=deps.box.seal(body.channel_access_token),
        out_of_hours_message=body.out_of_hours_message,
        assignment_cap=body.assignment_cap,
        closed_days={"dates": []},
        created_at=now,
        updated_at=now,
    )
    _apply_hours(channel, body.hours or HoursBody())
    session.add(channel)
    session.flush()
    session.add(
        ChannelSecret(
            channel_id=channel.id, sealed=deps.box.seal(body.channel_secret), added_at=now
        )
    )
    record_audit(
        session,
        AuditEntry,
        action="line.channel.create",
        resource_type="line_channel",
        resource_id=channel.id,
        principal=principal,
        org_id=channel.org_id,
        details={"line_channel_id": channel.line_channel_id},
    )
    session.commit()
    return shape(session, channel, deps)


def list_channels(
    session: Session, principal: Principal, deps: LineDeps, query: ChannelQuery
) -> dict[str, Any]:
    if not principal.can(Perm.LINE_CHANNELS_MANAGE):
        raise Forbidden("Only an org admin or a consortium admin manages LINE channels")
    if principal.org_id is None:
        return {"items": [], "next_cursor": None}
    if "consortium_admin" in principal.roles:
        orgs = sa.select(OrgDirectoryEntry.org_id).where(
            OrgDirectoryEntry.consortium_id == principal.consortium_id
        )
        stmt = sa.select(Channel).where(Channel.org_id.in_(orgs))
    else:
        stmt = sa.select(Channel).where(Channel.org_id == principal.org_id)
    if query.org_id is not None:
        stmt = stmt.where(Channel.org_id == query.org_id)
    return keyset_list(session, stmt, [Channel.id], query.cursor, query.limit).as_dict(
        lambda c: shape(session, c, deps)
    )


def get_channel(
    session: Session, principal: Principal, deps: LineDeps, channel_id: uuid.UUID
) -> dict[str, Any]:
    return shape(session, managed_channel(session, principal, channel_id), deps)


def update_channel(
    session: Session,
    principal: Principal,
    deps: LineDeps,
    channel_id: uuid.UUID,
    body: ChannelPatch,
) -> dict[str, Any]:
    channel = managed_channel(session, principal, channel_id)
    changed = sorted(body.model_fields_set)
    if not changed:
        raise ValidationFailed(FieldError("body", "Nothing to change", "empty_patch"))
    for name in ("name", "assignment_cap"):
        value = getattr(body, name)
        if name in body.model_fields_set and value is None:
            raise ValidationFailed(FieldError(name, "May not be null", "null"))
    if body.name is not None:
        channel.name = body.name
    if body.assignment_cap is not None:
        channel.assignment_cap = body.assignment_cap
    if "hours" in body.model_fields_set:
        _apply_hours(channel, body.hours or HoursBody())
    if "out_of_hours_message" in body.model_fields_set:
        channel.out_of_hours_message = body.out_of_hours_message  # None: the default text
    if body.channel_access_token is not None:
        channel.access_token_sealed = deps.box.seal(body.channel_access_token)
    now = utcnow()
    if body.channel_secret is not None:
        # Rotation: the old secret keeps working for the grace period (operations.__init__).
        for old in session.scalars(
            sa.select(ChannelSecret).where(
                ChannelSecret.channel_id == channel.id, ChannelSecret.retired_at.is_(None)
            )
        ):
            old.retired_at = now
        session.add(
            ChannelSecret(
                channel_id=channel.id, sealed=deps.box.seal(body.channel_secret), added_at=now
            )
        )
    channel.updated_at = now
    record_audit(
        session,
        AuditEntry,
        action="line.channel.update",
        resource_type="line_channel",
        resource_id=channel.id,
        principal=principal,
        org_id=channel.org_id,
        details={"fields": changed},
    )
    session.commit()
    return shape(session, channel, deps)


def friends(
    session: Session, principal: Principal, channel_id: uuid.UUID, fiscal_year: int
) -> dict[str, Any]:
    """The friend ledger of one fiscal year (JST): new friends, each LINE user once (the KPI
    LINEの友達ユーザー数), with re-follows and blocks beside it, and the friends today."""
    channel = managed_channel(session, principal, channel_id)
    in_year = sa.and_(
        FriendLedgerEntry.channel_id == channel.id,
        FriendLedgerEntry.fiscal_year == fiscal_year,
    )

    def count(kind: str, distinct: bool = False) -> int:
        what = (
            sa.func.count(sa.distinct(FriendLedgerEntry.line_user_id))
            if distinct
            else sa.func.count()
        )
        stmt = sa.select(what).select_from(FriendLedgerEntry)
        return int(session.scalar(stmt.where(in_year, FriendLedgerEntry.kind == kind)) or 0)

    now = session.scalar(
        sa.select(sa.func.count())
        .select_from(LineUser)
        .where(LineUser.channel_id == channel.id, LineUser.friend.is_(True))
    )
    return {
        "channel_id": str(channel.id),
        "fiscal_year": fiscal_year,
        "new_friends": count("follow", distinct=True),
        "refollows": count("refollow"),
        "blocks": count("unfollow"),
        "friends_now": int(now or 0),
    }
