"""Loading with tenant scoping, the directory, policies, audit and notifications: what the
referral operations share."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from common.audit import record_audit
from common.errors import Conflict, Forbidden, NotFound
from common.permissions import PREFECTURAL_CENTER, Perm
from common.principal import Principal
from services.referrals.domain.gate import OrgView
from services.referrals.domain.policy import DEFAULT_POLICY, ReferralPolicy
from services.referrals.domain.states import Side
from services.referrals.models import (
    AuditEntry,
    Notification,
    OrgDirectoryEntry,
    Referral,
    ReferralPolicyRow,
)

T = TypeVar("T")
RESOURCE = "referral"


def require(principal: Principal, permission: Perm, message: str) -> None:
    if not principal.can(permission):
        raise Forbidden(message)


def sides_of(principal: Principal, referral: Referral) -> frozenset[Side]:
    sides = set()
    if principal.org_id == referral.from_org_id:
        sides.add(Side.SENDER)
    if principal.org_id == referral.to_org_id:
        sides.add(Side.RECEIVER)
    if is_center_of(principal, referral.consortium_id):
        sides.add(Side.CENTER)
    return frozenset(sides)


def is_center_of(principal: Principal, consortium_id: uuid.UUID) -> bool:
    """A case worker of the consortium's prefectural center who may confirm declines."""
    return (
        principal.can(Perm.DECLINE_CONFIRM)
        and principal.org_kind == PREFECTURAL_CENTER
        and principal.consortium_id == consortium_id
    )


def load_for_party(
    session: Session, principal: Principal, referral_id: uuid.UUID, *, lock: bool = False
) -> Referral:
    """The referral if the caller's org sent or received it; otherwise 404, never 403."""
    if principal.org_id is None:
        raise NotFound("No such referral")
    stmt = sa.select(Referral).where(
        Referral.id == referral_id,
        sa.or_(Referral.from_org_id == principal.org_id, Referral.to_org_id == principal.org_id),
    )
    if lock:
        stmt = stmt.with_for_update()
    referral = session.scalar(stmt)
    if referral is None:
        raise NotFound("No such referral")
    return referral


def with_retry(session: Session, attempt: Callable[[], T], *, tries: int = 3) -> T:
    """Run ``attempt`` again from a fresh read when a concurrent transition won the
    compare-and-set on ``version``: the loser then sees the new state and is refused."""
    for _ in range(tries - 1):
        try:
            return attempt()
        except StaleDataError:
            session.rollback()
    try:
        return attempt()
    except StaleDataError as exc:
        session.rollback()
        raise Conflict(
            "The referral changed meanwhile; reload it", code="referral_changed"
        ) from exc


# --- the org directory ----------------------------------------------------------------


def org_view(session: Session, org_id: uuid.UUID) -> OrgView | None:
    row = session.get(OrgDirectoryEntry, org_id)
    if row is None:
        return None
    return OrgView(
        row.org_id,
        row.consortium_id,
        row.name,
        row.kind,
        row.status,
        row.address,
        row.representative,
    )


def org_names(session: Session, org_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, OrgView]:
    ids = set(org_ids)
    if not ids:
        return {}
    rows = session.scalars(sa.select(OrgDirectoryEntry).where(OrgDirectoryEntry.org_id.in_(ids)))
    return {r.org_id: OrgView(r.org_id, r.consortium_id, r.name, r.kind, r.status) for r in rows}


def org_ref(views: dict[uuid.UUID, OrgView], org_id: uuid.UUID) -> dict[str, Any]:
    view = views.get(org_id)
    return {
        "id": str(org_id),
        "name": view.name if view else None,
        "kind": view.kind if view else None,
    }


def centers_of(session: Session, consortium_id: uuid.UUID) -> list[uuid.UUID]:
    """The consortium's active prefectural center(s), to which flags and declines go."""
    return list(
        session.scalars(
            sa.select(OrgDirectoryEntry.org_id).where(
                OrgDirectoryEntry.consortium_id == consortium_id,
                OrgDirectoryEntry.kind == PREFECTURAL_CENTER,
                OrgDirectoryEntry.status == "active",
            )
        )
    )


def policy_for(session: Session, consortium_id: uuid.UUID) -> ReferralPolicy:
    row = session.get(ReferralPolicyRow, consortium_id)
    if row is None:
        return DEFAULT_POLICY
    return ReferralPolicy(
        decline_requires_center_confirmation=row.decline_requires_center_confirmation,
        unanswered_days=row.unanswered_days,
        urgent_unanswered_days=row.urgent_unanswered_days,
        default_respond_days=row.default_respond_days,
        urgent_respond_days=row.urgent_respond_days,
    )


# --- audit and notifications ------------------------------------------------------------


def audit_referral(
    session: Session,
    principal: Principal | None,
    action: str,
    referral: Referral,
    *,
    details: dict[str, Any] | None = None,
    purpose: str | None = None,
) -> None:
    """One entry in each party's log: a referral's data belongs to both orgs, and each must
    be able to see who read or changed it."""
    for org_id in dict.fromkeys((referral.from_org_id, referral.to_org_id)):
        record_audit(
            session,
            AuditEntry,
            action=action,
            resource_type=RESOURCE,
            resource_id=referral.id,
            principal=principal,
            org_id=org_id,
            details=details,
            purpose=purpose,
        )


def box_of(org_id: uuid.UUID, referral: Referral) -> str:
    if org_id == referral.to_org_id:
        return "incoming"
    if org_id == referral.from_org_id:
        return "outgoing"
    return "oversight"


def notify(
    session: Session,
    referral: Referral,
    org_ids: Iterable[uuid.UUID],
    kind: str,
    *,
    actor_org_id: uuid.UUID | None,
) -> None:
    for org_id in dict.fromkeys(org_ids):
        session.add(
            Notification(
                org_id=org_id,
                box=box_of(org_id, referral),
                kind=kind,
                referral_id=referral.id,
                status=referral.status,
                actor_org_id=actor_org_id,
            )
        )


def other_party(referral: Referral, org_id: uuid.UUID | None) -> uuid.UUID:
    return referral.to_org_id if org_id == referral.from_org_id else referral.from_org_id
