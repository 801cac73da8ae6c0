"""Facts the cases service announces (docs/events.md). Data carries ids, codes, dates,
counts and the person key — never names, summaries, notes or contact details."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from common.clock import utcnow
from common.messaging.envelope import Event
from common.messaging.outbox import record_event
from services.cases.domain.stamps import iso, stamped
from services.cases.models import Activity, Case, Consent, Contact, OutboxEvent, Outcome

PRODUCER = "cases"


def _emit(
    session: Session,
    kind: str,
    case: Case,
    subject_id: uuid.UUID,
    data: dict[str, Any],
    *,
    actor_id: uuid.UUID | None,
    consortium_id: uuid.UUID | None,
) -> Event:
    event = Event(
        type=kind,
        producer=PRODUCER,
        org_id=case.org_id,
        consortium_id=consortium_id,
        actor_id=actor_id,
        subject_id=subject_id,
        data=data,
    )
    return record_event(session, OutboxEvent, event)


def _base(case: Case) -> dict[str, Any]:
    return {"case_id": str(case.id), "person_key": str(case.person.person_key)}


def case_opened(session: Session, case: Case, age_band: str, **who: Any) -> Event:
    data = _base(case) | stamped("opened_at", case.opened_at)
    data |= {
        "stage": case.stage,
        "origin_referral_id": str(case.origin_referral_id) if case.origin_referral_id else None,
        "age_band": age_band,
        "gender": case.person.gender,
    }
    return _emit(session, "case.opened", case, case.id, data, **who)


def case_closed(session: Session, case: Case, **who: Any) -> Event:
    assert case.closed_at is not None
    data = _base(case) | stamped("closed_at", case.closed_at)
    data["reason_code"] = case.close_reason_code or "other"
    return _emit(session, "case.closed", case, case.id, data, **who)


def case_reopened(session: Session, case: Case, reopened_at: Any, **who: Any) -> Event:
    data = _base(case) | stamped("reopened_at", reopened_at) | {"stage": case.stage}
    return _emit(session, "case.reopened", case, case.id, data, **who)


def stage_changed(
    session: Session,
    case: Case,
    from_stage: str,
    changed_at: Any,
    kind: str,
    *,
    record: Activity | Outcome | None = None,
    **who: Any,
) -> Event:
    """``changed_at`` is when the person reached the stage (a record's own date when a
    record moved it); ``recorded_at`` when it was entered."""
    data = _base(case) | stamped("changed_at", changed_at)
    data |= {
        "from_stage": from_stage,
        "to_stage": case.stage,
        "kind": kind,
        "recorded_at": iso(utcnow()),
        "record": (
            None if record is None else "activity" if isinstance(record, Activity) else "outcome"
        ),
        "record_id": None if record is None else str(record.id),
        "record_type": None if record is None else record.type,
    }
    return _emit(session, "case.stage_changed", case, case.id, data, **who)


def contact_logged(session: Session, case: Case, contact: Contact, **who: Any) -> Event:
    data = (
        {"contact_id": str(contact.id)} | _base(case) | stamped("occurred_at", contact.occurred_at)
    )
    data |= {
        "channel": contact.channel,
        "by": contact.by,
        "relationship": contact.relationship,
        "minutes": contact.minutes,
    }
    return _emit(session, "contact.logged", case, contact.id, data, **who)


def activity_recorded(session: Session, case: Case, activity: Activity, **who: Any) -> Event:
    data = {"activity_id": str(activity.id)} | _base(case)
    data |= {"type": activity.type} | stamped("occurred_at", activity.occurred_at)
    data |= {
        "accompanied": activity.accompanied,
        "allowance_yen": activity.allowance_yen,
        "days": activity.days,
        "checkpoint_months": activity.checkpoint_months,
        "retained": activity.retained,
    }
    return _emit(session, "activity.recorded", case, activity.id, data, **who)


def outcome_recorded(session: Session, case: Case, outcome: Outcome, **who: Any) -> Event:
    data = {"outcome_id": str(outcome.id)} | _base(case)
    data |= {"type": outcome.type, "path": outcome.path}
    data |= stamped("occurred_at", outcome.occurred_at)
    data |= {"retained": outcome.retained, "checkpoint_months": outcome.checkpoint_months}
    return _emit(session, "outcome.recorded", case, outcome.id, data, **who)


def consent_recorded(session: Session, case: Case, consent: Consent, **who: Any) -> Event:
    data = {"consent_id": str(consent.id)} | _base(case)
    data |= {
        "to_org_ids": list(consent.to_org_ids),
        "categories": list(consent.categories),
        "method": consent.method,
        "given_by": consent.given_by,
        "representative_basis": consent.representative_basis,
        "obtained_at": iso(consent.obtained_at),
        "expires_at": iso(consent.expires_at),
    }
    return _emit(session, "consent.recorded", case, consent.id, data, **who)


def consent_withdrawn(session: Session, case: Case, consent: Consent, **who: Any) -> Event:
    assert consent.withdrawn_at is not None
    data = {
        "consent_id": str(consent.id),
        "case_id": str(case.id),
        "person_key": str(case.person.person_key),
        "withdrawn_at": iso(consent.withdrawn_at),
    }
    return _emit(session, "consent.withdrawn", case, consent.id, data, **who)
