"""Answering a referral: accept, decline (or ask the center to confirm a decline), withdraw,
complete — and the center's confirmation or rejection of a decline (two-person rule)."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from common.audit import record_audit
from common.clock import jst_date
from common.errors import Forbidden, NotFound
from common.principal import Principal
from services.referrals import events
from services.referrals.domain.codes import Urgency
from services.referrals.domain.deadlines import due_at
from services.referrals.domain.states import Action, Status
from services.referrals.models import AuditEntry, Referral
from services.referrals.operations import ReferralDeps
from services.referrals.operations.common import (
    audit_referral,
    centers_of,
    is_center_of,
    load_for_party,
    notify,
    policy_for,
    with_retry,
)
from services.referrals.operations.transitions import ensure_may, move, refuse_if_overdue
from services.referrals.operations.views import referral_detail
from services.referrals.schemas import CenterDecision, Complete, Decline, RejectDecline, Withdraw

log = logging.getLogger(__name__)


def _ids(referral: Referral) -> dict[str, str]:
    return {"referral_id": str(referral.id), "consortium_id": str(referral.consortium_id)}


def accept(
    session: Session, deps: ReferralDeps, principal: Principal, referral_id: uuid.UUID
) -> dict[str, Any]:
    """Exactly one of concurrent accepts wins (compare-and-set on version); the others get
    409. ``referral.accepted`` carries the packet: the cases service opens the linked case."""

    def attempt() -> Referral:
        referral = load_for_party(session, principal, referral_id)
        ensure_may(principal, referral, Action.ACCEPT)
        now = deps.now()
        refuse_if_overdue(session, referral, now)
        move(session, referral, Action.ACCEPT, principal=principal, now=now)
        referral.answered_at = now
        events.referral_event(
            session,
            referral,
            "accepted",
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
        audit_referral(session, principal, "referral.accept", referral)
        session.commit()
        return referral

    return referral_detail(session, principal, with_retry(session, attempt))


def decline(
    session: Session,
    deps: ReferralDeps,
    principal: Principal,
    referral_id: uuid.UUID,
    body: Decline,
) -> dict[str, Any]:
    """Decline, or ask the prefectural center to confirm the decline: when the consortium's
    policy asks for the two-person rule, and always for an urgent referral while the
    consortium has an active center (domain.policy.decline_action)."""

    def attempt() -> Referral:
        referral = load_for_party(session, principal, referral_id)
        ensure_may(principal, referral, Action.DECLINE)
        now = deps.now()
        refuse_if_overdue(session, referral, now)
        centers = centers_of(session, referral.consortium_id)
        urgent = referral.urgency == Urgency.URGENT
        action = policy_for(session, referral.consortium_id).decline_action(
            urgent=urgent, center_exists=bool(centers)
        )
        referral.decline_reason_code = body.reason_code.value
        referral.decline_reason = body.reason
        referral.answered_at = now
        new = move(
            session,
            referral,
            action,
            principal=principal,
            now=now,
            reason=body.reason,
            reason_code=body.reason_code.value,
        )
        if new is Status.DECLINE_REQUESTED:
            referral.decline_requested_by = principal.user_id
            notify(
                session,
                referral,
                centers,
                "urgent_decline_escalated" if urgent else "decline_confirmation_requested",
                actor_org_id=principal.org_id,
            )
            audit_referral(session, principal, "referral.request_decline", referral)
        else:
            if urgent:
                # No center to escalate to: the decline stands, and the sender is warned.
                log.warning("urgent referral declined with no center", extra=_ids(referral))
                notify(
                    session,
                    referral,
                    [referral.from_org_id],
                    "urgent_declined",
                    actor_org_id=principal.org_id,
                )
            events.referral_event(
                session,
                referral,
                "declined",
                at=now,
                acting_org_id=principal.org_id,
                actor_id=principal.user_id,
            )
            audit_referral(session, principal, "referral.decline", referral)
        notify(
            session,
            referral,
            [referral.from_org_id],
            "status_changed",
            actor_org_id=principal.org_id,
        )
        session.commit()
        return referral

    return referral_detail(session, principal, with_retry(session, attempt))


def withdraw(
    session: Session,
    deps: ReferralDeps,
    principal: Principal,
    referral_id: uuid.UUID,
    body: Withdraw,
) -> dict[str, Any]:
    def attempt() -> Referral:
        referral = load_for_party(session, principal, referral_id)
        ensure_may(principal, referral, Action.WITHDRAW)
        now = deps.now()
        refuse_if_overdue(session, referral, now)
        referral.withdraw_reason_code = body.reason_code.value
        referral.withdraw_reason = body.reason
        move(
            session,
            referral,
            Action.WITHDRAW,
            principal=principal,
            now=now,
            reason=body.reason,
            reason_code=body.reason_code.value,
        )
        events.referral_event(
            session,
            referral,
            "withdrawn",
            at=now,
            acting_org_id=principal.org_id,
            actor_id=principal.user_id,
        )
        notify(
            session, referral, [referral.to_org_id], "status_changed", actor_org_id=principal.org_id
        )
        audit_referral(session, principal, "referral.withdraw", referral)
        session.commit()
        return referral

    return referral_detail(session, principal, with_retry(session, attempt))


def complete(
    session: Session,
    deps: ReferralDeps,
    principal: Principal,
    referral_id: uuid.UUID,
    body: Complete,
) -> dict[str, Any]:
    """Close the loop: the outcome and a note go back to the sender."""

    def attempt() -> Referral:
        referral = load_for_party(session, principal, referral_id)
        ensure_may(principal, referral, Action.COMPLETE)
        now = deps.now()
        referral.outcome = body.outcome.value
        referral.outcome_note = body.outcome_note
        referral.completed_at = now
        move(
            session,
            referral,
            Action.COMPLETE,
            principal=principal,
            now=now,
            reason=body.outcome_note,
            reason_code=body.outcome.value,
        )
        events.referral_event(
            session,
            referral,
            "completed",
            at=now,
            acting_org_id=principal.org_id,
            actor_id=principal.user_id,
        )
        notify(
            session,
            referral,
            [referral.from_org_id],
            "referral_completed",
            actor_org_id=principal.org_id,
        )
        audit_referral(
            session, principal, "referral.complete", referral, details={"outcome": referral.outcome}
        )
        session.commit()
        return referral

    return referral_detail(session, principal, with_retry(session, attempt))


# --- the prefectural center: the two-person rule --------------------------------------


def _load_for_center(session: Session, principal: Principal, referral_id: uuid.UUID) -> Referral:
    """The center sees a referral between two other members only while a decline awaits its
    confirmation; otherwise it is a third org like any other (404). A party is loaded as a
    party, so the state machine answers it (409) and the side check (403)."""
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound("No such referral")
    if principal.org_id in (referral.from_org_id, referral.to_org_id):
        return referral
    if (
        is_center_of(principal, referral.consortium_id)
        and referral.status == Status.DECLINE_REQUESTED
    ):
        return referral
    raise NotFound("No such referral")


def _center_detail(session: Session, principal: Principal, referral: Referral) -> dict[str, Any]:
    from services.referrals.operations.oversight import oversight_item

    if principal.org_id in (referral.from_org_id, referral.to_org_id):
        return referral_detail(session, principal, referral)
    return oversight_item(session, referral)


def _center_audit(session: Session, principal: Principal, action: str, referral: Referral) -> None:
    audit_referral(session, principal, action, referral)
    if principal.org_id not in (referral.from_org_id, referral.to_org_id):
        record_audit(
            session,
            AuditEntry,
            action=action,
            resource_type="referral",
            resource_id=referral.id,
            principal=principal,
        )


def _ensure_second_person(principal: Principal, referral: Referral) -> None:
    if referral.decline_requested_by == principal.user_id:
        raise Forbidden("Someone other than the person who declined must confirm it")


def confirm_decline(
    session: Session,
    deps: ReferralDeps,
    principal: Principal,
    referral_id: uuid.UUID,
    body: CenterDecision,
) -> dict[str, Any]:
    def attempt() -> Referral:
        referral = _load_for_center(session, principal, referral_id)
        ensure_may(principal, referral, Action.CONFIRM_DECLINE)
        _ensure_second_person(principal, referral)
        now = deps.now()
        move(
            session,
            referral,
            Action.CONFIRM_DECLINE,
            principal=principal,
            now=now,
            reason=body.reason,
            reason_code=referral.decline_reason_code,
        )
        events.referral_event(
            session,
            referral,
            "declined",
            at=now,
            acting_org_id=principal.org_id,
            actor_id=principal.user_id,
        )
        notify(
            session,
            referral,
            [referral.from_org_id, referral.to_org_id],
            "decline_confirmed",
            actor_org_id=principal.org_id,
        )
        if referral.urgency == Urgency.URGENT:
            notify(
                session,
                referral,
                [referral.from_org_id],
                "urgent_declined",
                actor_org_id=principal.org_id,
            )
        _center_audit(session, principal, "referral.confirm_decline", referral)
        session.commit()
        return referral

    return _center_detail(session, principal, with_retry(session, attempt))


def reject_decline(
    session: Session,
    deps: ReferralDeps,
    principal: Principal,
    referral_id: uuid.UUID,
    body: RejectDecline,
) -> dict[str, Any]:
    """The center does not agree: the referral goes back to the receiver to answer again."""

    def attempt() -> Referral:
        referral = _load_for_center(session, principal, referral_id)
        ensure_may(principal, referral, Action.REJECT_DECLINE)
        _ensure_second_person(principal, referral)
        now = deps.now()
        move(
            session,
            referral,
            Action.REJECT_DECLINE,
            principal=principal,
            now=now,
            reason=body.reason,
        )
        referral.decline_reason_code = None
        referral.decline_reason = None
        referral.decline_requested_by = None
        referral.answered_at = None
        # The receiver must answer again: give it at least the urgent answer time.
        floor = jst_date(now) + timedelta(
            days=policy_for(session, referral.consortium_id).urgent_respond_days
        )
        if referral.respond_by < floor:
            referral.respond_by = floor
            referral.due_at = due_at(floor)
        notify(
            session,
            referral,
            [referral.to_org_id],
            "decline_rejected",
            actor_org_id=principal.org_id,
        )
        notify(
            session,
            referral,
            [referral.from_org_id],
            "status_changed",
            actor_org_id=principal.org_id,
        )
        _center_audit(session, principal, "referral.reject_decline", referral)
        session.commit()
        return referral

    return _center_detail(session, principal, with_retry(session, attempt))
