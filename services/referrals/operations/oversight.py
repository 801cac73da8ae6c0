"""What the consortium's prefectural center sees of referrals between other members:
those awaiting its confirmation of a decline, and those left unanswered or expired —
as metadata only. The center never sees a packet, a reason or a thread it is not party to."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.audit import record_audit
from common.db import keyset_page
from common.errors import Forbidden
from common.pagination import decode_cursor, encode_cursor
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


def oversight_item(session: Session, referral: Referral) -> dict[str, Any]:
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
                "reason": referral.decline_reason,
                "requested_at": referral.answered_at.isoformat() if referral.answered_at else None,
                "requested_by": (
                    str(referral.decline_requested_by) if referral.decline_requested_by else None
                ),
            }
            if awaiting
            else None
        ),
    }


def list_oversight(session: Session, principal: Principal, query: OversightQuery) -> dict[str, Any]:
    if principal.consortium_id is None or not is_center_of(principal, principal.consortium_id):
        raise Forbidden("Only the consortium's prefectural center oversees referrals")
    stmt = sa.select(Referral).where(Referral.consortium_id == principal.consortium_id)
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
    rows = keyset_page(
        session,
        stmt,
        [Referral.updated_at, Referral.id],
        decode_cursor(query.cursor, 2),
        query.limit,
        descending=True,
    )
    more = len(rows) > query.limit
    rows = rows[: query.limit]
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
    return {
        "items": [oversight_item(session, r) for r in rows],
        "next_cursor": (
            encode_cursor([rows[-1].updated_at.isoformat(), str(rows[-1].id)]) if more else None
        ),
    }


def can_oversee(principal: Principal) -> bool:
    return principal.can(Perm.DECLINE_CONFIRM) and principal.consortium_id is not None
