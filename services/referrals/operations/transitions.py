"""Moving a referral through the state machine: one history row per move, the compare-and-
set on ``version``, and the facts, notices and audit entries each move leaves behind."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from common.errors import Conflict, Forbidden
from common.permissions import Perm
from common.principal import Principal
from services.referrals import events
from services.referrals.domain.deadlines import is_overdue
from services.referrals.domain.states import ACTOR_OF, Action, Side, Status, next_status
from services.referrals.models import Referral, ReferralTransition
from services.referrals.operations.common import (
    audit_referral,
    centers_of,
    notify,
    sides_of,
)

PERMISSION_OF = {
    Side.RECEIVER: (Perm.REFERRAL_RESPOND, "Your role may not answer referrals"),
    Side.SENDER: (Perm.REFERRAL_SEND, "Your role may not withdraw referrals"),
    Side.CENTER: (Perm.DECLINE_CONFIRM, "Only the prefectural center confirms declines"),
}
_ONLY = {
    Side.RECEIVER: "Only the receiving organization may do this",
    Side.SENDER: "Only the sending organization may do this",
    Side.CENTER: "Only the consortium's prefectural center may do this",
}


def ensure_may(principal: Principal, referral: Referral, action: Action) -> None:
    """403 when the caller stands on the wrong side or lacks the permission. Callers have
    already answered 404 to anyone who is neither a party nor (for its actions) the center."""
    side = ACTOR_OF[action]
    if side not in sides_of(principal, referral):
        raise Forbidden(_ONLY.get(side, "Not allowed"))
    permission, message = PERMISSION_OF[side]
    if not principal.can(permission):
        raise Forbidden(message)


def move(
    session: Session,
    referral: Referral,
    action: Action,
    *,
    principal: Principal | None,
    now: datetime,
    reason: str | None = None,
    reason_code: str | None = None,
) -> Status:
    """Apply ``action`` (409 if the table forbids it) and write its history row. The flush
    is the compare-and-set: a concurrent winner makes it raise StaleDataError."""
    old = Status(referral.status)
    new = next_status(old, action)
    referral.status = new.value
    referral.updated_at = now
    session.add(
        ReferralTransition(
            referral_id=referral.id,
            at=now,
            from_status=old.value,
            to_status=new.value,
            action=action.value,
            actor_id=principal.user_id if principal else None,
            actor_org_id=principal.org_id if principal else None,
            actor_name=principal.name if principal else None,
            reason_code=reason_code,
            reason=reason,
        )
    )
    session.flush()
    return new


def expire(session: Session, referral: Referral, now: datetime) -> None:
    """The respond-by day passed without an answer: the system expires it and tells both
    parties and the consortium's center."""
    move(session, referral, Action.EXPIRE, principal=None, now=now, reason_code="respond_by_passed")
    events.referral_event(session, referral, "expired", at=now, acting_org_id=None, actor_id=None)
    notify(
        session,
        referral,
        [referral.from_org_id, referral.to_org_id],
        "status_changed",
        actor_org_id=None,
    )
    notify(
        session,
        referral,
        centers_of(session, referral.consortium_id),
        "referral_expired",
        actor_org_id=None,
    )
    audit_referral(session, None, "referral.expire", referral)


def expire_if_overdue(session: Session, referral: Referral, now: datetime) -> bool:
    if not is_overdue(Status(referral.status), referral.due_at, now):
        return False
    expire(session, referral, now)
    return True


def refuse_if_overdue(session: Session, referral: Referral, now: datetime) -> None:
    """Expire a referral whose day has passed before the job got to it, and refuse the action:
    the status a caller is shown is always the true one."""
    if expire_if_overdue(session, referral, now):
        session.commit()
        raise Conflict("The respond-by date has passed", code="referral_expired")


def withdraw_for_consent(
    session: Session, referral: Referral, consent_id: uuid.UUID, now: datetime
) -> None:
    """The person withdrew the consent the referral relies on: it stops at once (it cannot
    recall what the receiver has already seen) and the sender is told."""
    referral.withdraw_reason_code = "consent_withdrawn"
    referral.withdraw_reason = None
    move(
        session,
        referral,
        Action.WITHDRAW,
        principal=None,
        now=now,
        reason_code="consent_withdrawn",
    )
    events.referral_event(session, referral, "withdrawn", at=now, acting_org_id=None, actor_id=None)
    notify(session, referral, [referral.from_org_id], "consent_withdrawn", actor_org_id=None)
    notify(session, referral, [referral.to_org_id], "status_changed", actor_org_id=None)
    audit_referral(
        session, None, "referral.withdraw", referral, details={"consent_id": str(consent_id)}
    )
