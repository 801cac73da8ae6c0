"""What the consortium's prefectural center and its consortium admin see of referrals
between members: those awaiting the center's confirmation of a decline, and those left
unanswered or expired — as metadata only — and the flow in counts. Neither ever sees a
person, a packet or a thread it is not party to; the consortium admin, who decides
nothing about a referral, does not see the words of a decline reason either."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.audit import record_audit
from common.errors import Forbidden
from common.pagination import keyset_list
from common.permissions import Perm
from common.principal import Principal
from common.schemas import PageQuery
from services.referrals.domain.states import Status
from services.referrals.models import AuditEntry, Referral
from services.referrals.operations.common import is_center_of, org_names, org_ref


class OversightFilter(StrEnum):
    DECLINE_REQUESTED = "decline_requested"
    UNANSWERED = "unanswered"
    EXPIRED = "expired"


class OversightQuery(PageQuery):
    filter: OversightFilter | None = None


def _oversees(principal: Principal) -> uuid.UUID:
    """The consortium whose flow the caller oversees: its center's case workers and its
    consortium admin; anyone else 403."""
    if principal.consortium_id is None or not principal.can(Perm.REFERRAL_OVERSEE):
        raise Forbidden("Only the consortium's center and its admin oversee referrals")
    return principal.consortium_id


def oversight_item(
    session: Session, referral: Referral, *, with_words: bool = True
) -> dict[str, Any]:
    orgs = org_names(session, [referral.from_org_id, referral.to_org_id])
    awaiting = referral.status == Status.DECLINE_REQUESTED
    return {
        "id": str(referral.id),
        "status": referral.status,
        "from_org": org_ref(orgs, referral.from_org_id),
        "to_org": org_ref(orgs, referral.to_org_id),
        "urgency": referral.urgency,
        "basis": referral.basis,
        "categories": list(referral.categories),
        "sent_at": referral.sent_at.isoformat(),
        "respond_by": referral.respond_by.isoformat(),
        "updated_at": referral.updated_at.isoformat(),
        "unanswered_flagged_at": (
            referral.unanswered_flagged_at.isoformat() if referral.unanswered_flagged_at else None
        ),
        # Written by the receiver for the center's decision; the person is not in it.
        "decline": (
            {
                "reason_code": referral.decline_reason_code,
                "requested_at": referral.answered_at.isoformat() if referral.answered_at else None,
            }
            | (
                {
                    "reason": referral.decline_reason,
                    "requested_by": (
                        str(referral.decline_requested_by)
                        if referral.decline_requested_by
                        else None
                    ),
                }
                if with_words
                else {}
            )
            if awaiting
            else None
        ),
    }


def list_oversight(session: Session, principal: Principal, query: OversightQuery) -> dict[str, Any]:
    consortium_id = _oversees(principal)
    center = is_center_of(principal, consortium_id)
    stmt = sa.select(Referral).where(Referral.consortium_id == consortium_id)
    decline = Referral.status == Status.DECLINE_REQUESTED.value
    unanswered = sa.and_(
        Referral.status.in_([Status.SENT.value, Status.VIEWED.value]),
        Referral.unanswered_flagged_at.is_not(None),
    )
    expired = Referral.status == Status.EXPIRED.value
    chosen = {
        OversightFilter.DECLINE_REQUESTED: decline,
        OversightFilter.UNANSWERED: unanswered,
        OversightFilter.EXPIRED: expired,
    }
    stmt = stmt.where(
        chosen[query.filter] if query.filter else sa.or_(decline, unanswered, expired)
    )
    page = keyset_list(
        session,
        stmt,
        [Referral.updated_at, Referral.id],
        query.cursor,
        query.limit,
        descending=True,
    )
    rows = page.items
    if rows:
        record_audit(
            session,
            AuditEntry,
            action="referral.oversight.list",
            resource_type="referral",
            resource_id=None,
            principal=principal,
            details={"referral_ids": [str(r.id) for r in rows]},
        )
        session.commit()
    return page.as_dict(lambda r: oversight_item(session, r, with_words=center))


OPEN = (Status.SENT.value, Status.VIEWED.value, Status.DECLINE_REQUESTED.value)


def summary(session: Session, principal: Principal, now: datetime) -> dict[str, Any]:
    """The consortium's referral flow right now, in counts: per status, what is open,
    overdue, flagged or urgent, and per member what waits on it and what it sent. Counts of
    referrals name no person, so they are shown whole (unlike the person counts of reports)."""
    consortium_id = _oversees(principal)
    mine = Referral.consortium_id == consortium_id
    by_status = {s.value: 0 for s in Status}
    for status, n in session.execute(
        sa.select(Referral.status, sa.func.count()).where(mine).group_by(Referral.status)
    ):
        by_status[status] = int(n)

    def count(*where: Any) -> int:
        return int(session.scalar(sa.select(sa.func.count()).where(mine, *where)) or 0)

    waiting = Referral.status.in_([Status.SENT.value, Status.VIEWED.value])
    overdue = sa.and_(waiting, Referral.due_at <= now)
    members: dict[uuid.UUID, dict[str, int]] = {}

    def tally(column: Any, key: str, *where: Any) -> None:
        rows = session.execute(
            sa.select(column, sa.func.count()).where(mine, *where).group_by(column)
        )
        for org_id, n in rows:
            members.setdefault(org_id, dict.fromkeys(MEMBER_COUNTS, 0))[key] = int(n)

    tally(Referral.to_org_id, "incoming_open", Referral.status.in_(OPEN))
    tally(Referral.to_org_id, "incoming_overdue", overdue)
    tally(Referral.from_org_id, "outgoing_open", Referral.status.in_(OPEN))
    tally(Referral.to_org_id, "accepted", Referral.status.in_(["accepted", "completed"]))
    tally(Referral.to_org_id, "declined", Referral.status == Status.DECLINED.value)
    tally(Referral.to_org_id, "expired", Referral.status == Status.EXPIRED.value)
    orgs = org_names(session, members)
    record_audit(
        session,
        AuditEntry,
        action="referral.oversight.summary",
        resource_type="referral",
        resource_id=None,
        principal=principal,
    )
    session.commit()
    return {
        "consortium_id": str(consortium_id),
        "as_of": now.isoformat(),
        "by_status": by_status,
        "open": count(Referral.status.in_(OPEN)),
        "overdue": count(overdue),
        "unanswered_flagged": count(waiting, Referral.unanswered_flagged_at.is_not(None)),
        "urgent_open": count(Referral.status.in_(OPEN), Referral.urgency == "urgent"),
        "awaiting_center": by_status[Status.DECLINE_REQUESTED.value],
        "members": sorted(
            ({"org": org_ref(orgs, org_id)} | counts for org_id, counts in members.items()),
            key=lambda m: (-m["incoming_open"], m["org"]["name"] or ""),
        ),
    }


MEMBER_COUNTS = (
    "incoming_open",
    "incoming_overdue",
    "outgoing_open",
    "accepted",
    "declined",
    "expired",
)
