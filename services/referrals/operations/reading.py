"""Reading referrals: the two boxes and one referral. The receiver's first look marks it
viewed; every read of a referral's person-level data is audited in both parties' logs."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from common.audit import record_audit
from common.pagination import keyset_list
from common.permissions import Perm
from common.principal import Principal
from services.referrals import events
from services.referrals.domain.states import Action, Side, Status
from services.referrals.models import AuditEntry, Notification, NotificationRead, Referral
from services.referrals.operations import ReferralDeps
from services.referrals.operations.common import (
    audit_referral,
    load_for_party,
    notify,
    org_names,
    require,
    sides_of,
)
from services.referrals.operations.transitions import expire_if_overdue, move
from services.referrals.operations.views import referral_detail, referral_summary, unread_counts
from services.referrals.schemas import Box, ReferralListQuery


def mark_read(session: Session, principal: Principal, referral_id: uuid.UUID) -> None:
    """Opening a referral reads its notices, for this user."""
    already = sa.select(NotificationRead.notification_id).where(
        NotificationRead.user_id == principal.user_id
    )
    ids = session.scalars(
        sa.select(Notification.id).where(
            Notification.org_id == principal.org_id,
            Notification.referral_id == referral_id,
            Notification.id.not_in(already),
        )
    ).all()
    for notification_id in ids:
        session.add(NotificationRead(notification_id=notification_id, user_id=principal.user_id))


def _first_look(
    session: Session, deps: ReferralDeps, principal: Principal, referral: Referral
) -> None:
    now = deps.now()
    if expire_if_overdue(session, referral, now):
        return
    if Side.RECEIVER in sides_of(principal, referral) and referral.status == Status.SENT:
        move(session, referral, Action.VIEW, principal=principal, now=now)
        referral.viewed_at = now
        events.referral_event(
            session,
            referral,
            "viewed",
            at=now,
            acting_org_id=principal.org_id,
            actor_id=principal.user_id,
        )
        notify(
            session,
            referral,
            [referral.from_org_id],
            "status_changed",
            actor_org_id=principal.org_id,
        )


def get_referral(
    session: Session, deps: ReferralDeps, principal: Principal, referral_id: uuid.UUID
) -> dict[str, Any]:
    referral = load_for_party(session, principal, referral_id)
    require(principal, Perm.REFERRAL_READ, "Your role may not read referrals")
    try:
        _first_look(session, deps, principal, referral)
    except StaleDataError:
        # Someone else viewed (or answered) it at the same moment: show what is there now.
        session.rollback()
        referral = load_for_party(session, principal, referral_id)
    mark_read(session, principal, referral.id)
    audit_referral(session, principal, "referral.read", referral)
    session.commit()
    return referral_detail(session, principal, referral)


def list_referrals(
    session: Session, principal: Principal, query: ReferralListQuery
) -> dict[str, Any]:
    require(principal, Perm.REFERRAL_READ, "Your role may not read referrals")
    org_id = principal.org_id
    assert org_id is not None
    if query.box is Box.INCOMING:
        scope = Referral.to_org_id == org_id
    elif query.box is Box.OUTGOING:
        scope = Referral.from_org_id == org_id
    else:
        scope = sa.or_(Referral.to_org_id == org_id, Referral.from_org_id == org_id)
    stmt = sa.select(Referral).where(scope)
    if query.status:
        stmt = stmt.where(Referral.status.in_([s.value for s in query.status]))
    if query.urgency:
        stmt = stmt.where(Referral.urgency == query.urgency.value)
    if query.unread is not None:
        read = sa.select(NotificationRead.notification_id).where(
            NotificationRead.user_id == principal.user_id
        )
        unread_refs = sa.select(Notification.referral_id).where(
            Notification.org_id == org_id,
            Notification.referral_id.is_not(None),
            Notification.id.not_in(read),
        )
        stmt = stmt.where(
            Referral.id.in_(unread_refs) if query.unread else Referral.id.not_in(unread_refs)
        )
    page = keyset_list(
        session, stmt, [Referral.sent_at, Referral.id], query.cursor, query.limit, descending=True
    )
    rows = page.items
    orgs = org_names(session, {r.from_org_id for r in rows} | {r.to_org_id for r in rows})
    unread = unread_counts(session, principal, [r.id for r in rows])
    items = [referral_summary(r, principal, orgs, unread.get(r.id, 0)) for r in rows]
    if rows:
        # Inbox rows show the person's attributes (and name, if shared): a read to audit.
        record_audit(
            session,
            AuditEntry,
            action="referral.list",
            resource_type="referral",
            resource_id=None,
            principal=principal,
            details={"referral_ids": [str(r.id) for r in rows]},
        )
        session.commit()
    return {"items": items, "next_cursor": page.next_cursor}
