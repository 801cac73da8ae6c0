"""The consortium's referral policy: every member reads it; its consortium admin sets it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from common.audit import record_audit
from common.errors import Forbidden, NotFound
from common.permissions import Perm
from common.principal import Principal
from services.referrals.models import AuditEntry, ReferralPolicyRow
from services.referrals.operations import ReferralDeps
from services.referrals.operations.common import policy_for
from services.referrals.schemas import PolicyUpdate


def get_policy(session: Session, principal: Principal) -> dict[str, Any]:
    if principal.consortium_id is None:
        raise NotFound("You belong to no consortium")
    row = session.get(ReferralPolicyRow, principal.consortium_id)
    return {
        "consortium_id": str(principal.consortium_id),
        **asdict(policy_for(session, principal.consortium_id)),
        "updated_at": row.updated_at.isoformat() if row else None,
        "updated_by": str(row.updated_by) if row and row.updated_by else None,
        "editable": principal.can(Perm.CONSORTIUM_POLICY_MANAGE),
    }


def update_policy(
    session: Session, deps: ReferralDeps, principal: Principal, body: PolicyUpdate
) -> dict[str, Any]:
    if principal.consortium_id is None:
        raise NotFound("You belong to no consortium")
    if not principal.can(Perm.CONSORTIUM_POLICY_MANAGE):
        raise Forbidden("Only the consortium admin sets the referral policy")
    row = session.get(ReferralPolicyRow, principal.consortium_id)
    if row is None:
        row = ReferralPolicyRow(
            consortium_id=principal.consortium_id,
            **asdict(policy_for(session, principal.consortium_id)),
        )
        session.add(row)
    changes = body.model_dump(exclude_none=True)
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = deps.now()
    row.updated_by = principal.user_id
    record_audit(
        session,
        AuditEntry,
        action="referral_policy.update",
        resource_type="referral_policy",
        resource_id=principal.consortium_id,
        principal=principal,
        details=changes,
    )
    session.commit()
    return get_policy(session, principal)
