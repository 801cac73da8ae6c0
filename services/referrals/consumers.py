"""What the referrals service does with other services' facts. Each handler runs inside the
consumer's transaction (``EventConsumer.apply`` commits it with the processed-event row),
so it never commits; it is idempotent and safe when events arrive late or out of order."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.audit import record_audit
from common.clock import utcnow
from common.messaging.envelope import Event
from common.messaging.payloads import EventPayload, payload_of
from common.orgdirectory import org_handlers
from services.referrals.domain.states import Status
from services.referrals.models import (
    AuditEntry,
    CaseFact,
    ConsentFact,
    OrgDirectoryEntry,
    Referral,
)
from services.referrals.operations.common import notify
from services.referrals.operations.deadlines import STOPPABLE
from services.referrals.operations.transitions import withdraw_for_consent

log = logging.getLogger(__name__)
Handler = Callable[[Session, Event], None]
LINKED = (Status.ACCEPTED.value, Status.COMPLETED.value)


class CaseOpened(EventPayload):
    case_id: uuid.UUID
    origin_referral_id: uuid.UUID | None = None


class CaseEvent(EventPayload):
    """case.closed, case.reopened."""

    case_id: uuid.UUID


class OutcomeRecorded(EventPayload):
    case_id: uuid.UUID
    type: str
    path: str | None = None


class ConsentRecorded(EventPayload):
    consent_id: uuid.UUID
    case_id: uuid.UUID | None = None
    expires_at: datetime | None = None


class ConsentWithdrawn(EventPayload):
    consent_id: uuid.UUID
    case_id: uuid.UUID | None = None
    withdrawn_at: datetime | None = None


class UserDeactivated(EventPayload):
    user_id: uuid.UUID | None = None


def _system_audit(
    session: Session,
    action: str,
    resource_type: str,
    resource_id: object,
    org_id: uuid.UUID | None,
    actor_id: uuid.UUID | None = None,
    details: dict[str, object] | None = None,
) -> None:
    record_audit(
        session,
        AuditEntry,
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id),
        org_id=org_id,
        actor_id=actor_id,
        details=details,
    )


# --- the receiver's linked case ---------------------------------------------------------


def on_case_opened(session: Session, event: Event) -> None:
    """A case opened from a referral is the receiver's linked case: link it once."""
    data = payload_of(event, CaseOpened)
    origin, case_id = data.origin_referral_id, data.case_id
    if origin is None:
        return
    referral = session.get(Referral, origin)
    if referral is None:
        log.warning("case opened from an unknown referral", extra={"referral_id": str(origin)})
        return
    if event.org_id != referral.to_org_id or referral.status not in LINKED:
        # Only the receiver's case, and only after acceptance, may become the linked case.
        log.warning(
            "case.opened does not match its referral",
            extra={"referral_id": str(origin), "case_id": str(case_id)},
        )
        return
    if session.get(CaseFact, case_id) is None:
        session.add(
            CaseFact(
                case_id=case_id,
                org_id=event.org_id,
                origin_referral_id=origin,
                state="open",
                state_as_of=event.occurred_at,
                outcomes=[],
            )
        )
    if referral.linked_case_id is None:
        referral.linked_case_id = case_id
        referral.linked_at = utcnow()
        notify(session, referral, [referral.to_org_id], "linked_case_opened", actor_org_id=None)
        _system_audit(
            session,
            "referral.link_case",
            "referral",
            referral.id,
            referral.to_org_id,
            details={"case_id": str(case_id)},
        )
    elif referral.linked_case_id != case_id:
        log.error(
            "a second case opened from one referral; keeping the first",
            extra={"referral_id": str(origin), "case_id": str(case_id)},
        )


def _linked(session: Session, case_id: uuid.UUID) -> tuple[CaseFact, Referral] | None:
    fact = session.get(CaseFact, case_id)
    if fact is None or fact.origin_referral_id is None:
        return None
    referral = session.get(Referral, fact.origin_referral_id)
    if referral is None or referral.linked_case_id != case_id:
        return None
    return fact, referral


def _lifecycle(state: str, kind: str) -> Handler:
    def handle(session: Session, event: Event) -> None:
        found = _linked(session, payload_of(event, CaseEvent).case_id)
        if found is None:
            return  # not a case opened from a referral
        fact, referral = found
        if event.occurred_at < fact.state_as_of:
            return  # an older fact arriving late
        changed = fact.state != state
        fact.state = state
        fact.state_as_of = event.occurred_at
        if changed and state == "closed" and referral.status == Status.ACCEPTED:
            # Prompt the receiver to close the loop with the sender.
            notify(session, referral, [referral.to_org_id], kind, actor_org_id=None)

    return handle


def on_outcome_recorded(session: Session, event: Event) -> None:
    data = payload_of(event, OutcomeRecorded)
    found = _linked(session, data.case_id)
    if found is None:
        return
    fact, referral = found
    code = f"{data.type}:{data.path}" if data.path else data.type
    if code and code not in fact.outcomes:
        fact.outcomes = [*fact.outcomes, code]
        if referral.status == Status.ACCEPTED:
            notify(
                session, referral, [referral.to_org_id], "linked_case_outcome", actor_org_id=None
            )


# --- consents ---------------------------------------------------------------------------


def _consent_fact(session: Session, consent_id: uuid.UUID) -> ConsentFact:
    fact = session.get(ConsentFact, consent_id)
    if fact is None:
        fact = ConsentFact(consent_id=consent_id)
        session.add(fact)
    return fact


def on_consent_recorded(session: Session, event: Event) -> None:
    data = payload_of(event, ConsentRecorded)
    fact = _consent_fact(session, data.consent_id)
    fact.case_id = data.case_id
    fact.expires_at = data.expires_at
    fact.updated_at = utcnow()


def on_consent_withdrawn(session: Session, event: Event) -> None:
    """Stop every referral relying on the consent that is not accepted yet; tell the sender.
    What the receiver has already seen cannot be recalled (DESIGN §3)."""
    data = payload_of(event, ConsentWithdrawn)
    consent_id = data.consent_id
    fact = _consent_fact(session, consent_id)
    fact.case_id = fact.case_id or data.case_id
    fact.withdrawn_at = fact.withdrawn_at or data.withdrawn_at or event.occurred_at
    fact.updated_at = utcnow()
    session.flush()
    now = utcnow()
    pending = session.scalars(
        sa.select(Referral).where(Referral.consent_id == consent_id, Referral.status.in_(STOPPABLE))
    ).all()
    for referral in pending:
        withdraw_for_consent(session, referral, consent_id, now)


# --- people ----------------------------------------------------------------------------


def on_user_deactivated(session: Session, event: Event) -> None:
    """Referrals belong to organizations, not to people: a deactivated user's referrals stay
    with their org, and there is no grant to revoke here. The fact is recorded."""
    user_id = payload_of(event, UserDeactivated).user_id or event.subject_id
    _system_audit(
        session, "user.deactivated", "user", user_id, event.org_id, actor_id=event.actor_id
    )


HANDLERS: dict[str, Handler] = {
    **org_handlers(OrgDirectoryEntry),
    "user.deactivated": on_user_deactivated,
    "case.opened": on_case_opened,
    "case.closed": _lifecycle("closed", "linked_case_closed"),
    "case.reopened": _lifecycle("open", "linked_case_reopened"),
    "outcome.recorded": on_outcome_recorded,
    "consent.recorded": on_consent_recorded,
    "consent.withdrawn": on_consent_withdrawn,
}
