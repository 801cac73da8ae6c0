"""Facts the referrals service announces (docs/events.md "referrals"). Each one goes into
the outbox in the same transaction as the change it reports."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from common.clock import as_utc
from common.fiscal import fiscal_year_of
from common.messaging.envelope import Event
from common.messaging.outbox import record_event
from services.referrals.models import OutboxEvent, Referral

PRODUCER = "referrals"


def _base(referral: Referral, at: datetime) -> dict[str, Any]:
    at = as_utc(at)
    return {
        "referral_id": str(referral.id),
        "from_org_id": str(referral.from_org_id),
        "to_org_id": str(referral.to_org_id),
        "status": referral.status,
        "at": at.isoformat(),
        "fiscal_year": fiscal_year_of(at),
        "urgency": referral.urgency,
        "basis": referral.basis,
    }


def referral_event(
    session: Session,
    referral: Referral,
    kind: str,
    *,
    at: datetime,
    acting_org_id: uuid.UUID | None,
    actor_id: uuid.UUID | None,
) -> Event:
    """``referral.<kind>`` with the extra fields its type carries."""
    data = _base(referral, at)
    if kind == "sent":
        data |= {
            "case_id": str(referral.case_id),
            "categories": list(referral.categories),
            "consent_id": str(referral.consent_id) if referral.consent_id else None,
            "exception_code": referral.exception_code,
            "respond_by": referral.respond_by.isoformat(),
        }
    elif kind == "accepted":
        data |= {"person_key": str(referral.person_key), "packet": referral.packet}
    elif kind == "declined":
        data |= {"reason_code": referral.decline_reason_code or "other"}
    elif kind == "withdrawn":
        data |= {"reason_code": referral.withdraw_reason_code or "other"}
    elif kind == "completed":
        data |= {"outcome": referral.outcome or "other"}
    event = Event(
        type=f"referral.{kind}",
        producer=PRODUCER,
        org_id=acting_org_id,
        consortium_id=referral.consortium_id,
        actor_id=actor_id,
        subject_id=referral.id,
        data=data,
    )
    return record_event(session, OutboxEvent, event)
