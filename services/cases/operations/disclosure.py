"""Disclosure (開示, APPI art. 33): everything this org holds of one person — the person,
consultations, activities, outcomes, consents, notes (sensitive ones too: they are the
person's own), the ladder's history — and the provision records of art. 33(5), asked of
the referrals service by person key. For the org admin to hand to the person; audited."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Unauthenticated
from common.permissions import Perm
from common.principal import Principal
from services.cases.models import Activity, Consent, Contact, Note, Outcome, StageChange
from services.cases.operations.common import (
    activity_as_dict,
    audit,
    consent_as_dict,
    contact_as_dict,
    iso,
    load_case,
    note_as_dict,
    outcome_as_dict,
    person_as_dict,
    require,
    stage_change_as_dict,
)
from services.cases.provisions_client import ProvisionSource

DIRECTIONS = {"provided": "sent", "received": "received"}


def provision_as_disclosed(record: dict[str, Any]) -> dict[str, Any]:
    """A ledger record in API.md's disclosure shape (direction sent|received)."""
    party = record.get("counterparty") or {}
    return {
        "direction": DIRECTIONS.get(str(record.get("direction")), record.get("direction")),
        "counterpart": {
            "name": party.get("name"),
            "address": party.get("address"),
            "representative": party.get("representative"),
        },
        "categories": list(record.get("categories") or record.get("data_items") or []),
        "basis": record.get("basis"),
        "consent_given_by": record.get("consent_given_by"),
        "representative_basis": record.get("representative_basis"),
        "exception": (
            {"code": record["exception_code"], "reason": record.get("exception_reason")}
            if record.get("exception_code")
            else None
        ),
        "support_meeting": record.get("support_meeting"),
        "obtained_how": record.get("obtained_how") or record.get("obtained_via"),
        "at": record.get("at") or record.get("occurred_at"),
        "retain_until": record.get("retain_until"),
    }


def disclose(
    session: Session,
    principal: Principal,
    case_id: uuid.UUID,
    *,
    token: str | None,
    provisions: ProvisionSource,
    now: datetime,
) -> dict[str, Any]:
    case = load_case(session, principal, case_id)  # another tenant's (or a colleague's): 404
    require(principal, Perm.PRIVACY_MANAGE, "prepare a disclosure")

    def rows(model: Any, order: Any) -> list[Any]:
        return list(
            session.scalars(
                sa.select(model)
                .where(model.case_id == case.id, model.org_id == case.org_id)
                .order_by(order, model.id)
            )
        )

    answer: dict[str, Any] = {
        "case_id": str(case.id),
        "org_id": str(case.org_id),
        "prepared_at": iso(now),
        "person": person_as_dict(case),
        "case": {
            "stage": case.stage,
            "opened_at": iso(case.opened_at),
            "closed_at": iso(case.closed_at),
            "close_reason": case.close_reason,
        },
        "contacts": [contact_as_dict(r) for r in rows(Contact, Contact.occurred_at)],
        "activities": [activity_as_dict(r) for r in rows(Activity, Activity.occurred_at)],
        "outcomes": [outcome_as_dict(r) for r in rows(Outcome, Outcome.occurred_at)],
        "consents": [consent_as_dict(r, now) for r in rows(Consent, Consent.obtained_at)],
        "notes": [note_as_dict(r) for r in rows(Note, Note.recorded_at)],
        "stage_history": [
            stage_change_as_dict(r) for r in rows(StageChange, StageChange.changed_at)
        ],
    }
    person_key = case.person.person_key
    # Release the database before asking another service (SQLite holds one writer at a time).
    session.rollback()
    if token is None:
        raise Unauthenticated("A disclosure is asked with a principal token")
    records = provisions.for_person(token, person_key)
    answer["provisions"] = [provision_as_disclosed(r) for r in records]
    audit(
        session,
        principal,
        "case.disclosure",
        "case",
        case_id,
        purpose="disclosure to the person (APPI art. 33)",
        details={"provisions": len(records)},
    )
    session.commit()
    return answer
