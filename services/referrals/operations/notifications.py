"""In-app notifications: each org's notices, read or unread per user."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import NotFound
from common.pagination import keyset_list
from common.principal import Principal
from services.referrals.models import Notification, NotificationRead
from services.referrals.operations.common import org_names, org_ref
from services.referrals.schemas import NotificationQuery


def _mine(principal: Principal) -> sa.ColumnElement[bool]:
    if principal.org_id is None:
        return sa.false()
    return Notification.org_id == principal.org_id


def _read_ids(principal: Principal) -> sa.Select[Any]:
    return sa.select(NotificationRead.notification_id).where(
        NotificationRead.user_id == principal.user_id
    )


def list_notifications(
    session: Session, principal: Principal, query: NotificationQuery
) -> dict[str, Any]:
    stmt = sa.select(Notification).where(_mine(principal))
    if query.unread is not None:
        unread = Notification.id.not_in(_read_ids(principal))
        stmt = stmt.where(unread if query.unread else sa.not_(unread))
    if query.referral_id is not None:
        stmt = stmt.where(Notification.referral_id == query.referral_id)
    page = keyset_list(
        session,
        stmt,
        [Notification.created_at, Notification.id],
        query.cursor,
        query.limit,
        descending=True,
    )
    rows = page.items
    read = set(
        session.scalars(
            _read_ids(principal).where(NotificationRead.notification_id.in_([r.id for r in rows]))
        )
    )
    orgs = org_names(session, {r.actor_org_id for r in rows if r.actor_org_id})
    return page.as_dict(
        lambda n: {
            "id": str(n.id),
            "kind": n.kind,
            "box": n.box,
            "referral_id": str(n.referral_id) if n.referral_id else None,
            "status": n.status,
            "actor_org": org_ref(orgs, n.actor_org_id) if n.actor_org_id else None,
            "created_at": n.created_at.isoformat(),
            "read": n.id in read,
        }
    )


def unread_count(session: Session, principal: Principal) -> dict[str, Any]:
    rows = session.execute(
        sa.select(Notification.box, sa.func.count())
        .where(_mine(principal), Notification.id.not_in(_read_ids(principal)))
        .group_by(Notification.box)
    )
    counts = {"incoming": 0, "outgoing": 0, "oversight": 0}
    for box, count in rows:
        counts[box] = int(count)
    return {"total": sum(counts.values()), **counts}


def mark_read(session: Session, principal: Principal, notification_id: uuid.UUID) -> dict[str, Any]:
    notification = session.scalar(
        sa.select(Notification).where(Notification.id == notification_id, _mine(principal))
    )
    if notification is None:
        raise NotFound("No such notification")
    done = session.get(NotificationRead, (notification.id, principal.user_id))
    if done is None:
        session.add(NotificationRead(notification_id=notification.id, user_id=principal.user_id))
        session.commit()
    return unread_count(session, principal)


def mark_all_read(
    session: Session, principal: Principal, referral_id: uuid.UUID | None
) -> dict[str, Any]:
    stmt = sa.select(Notification.id).where(
        _mine(principal), Notification.id.not_in(_read_ids(principal))
    )
    if referral_id is not None:
        stmt = stmt.where(Notification.referral_id == referral_id)
    for notification_id in session.scalars(stmt).all():
        session.add(NotificationRead(notification_id=notification_id, user_id=principal.user_id))
    session.commit()
    return unread_count(session, principal)
