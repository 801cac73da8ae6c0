"""Erasure and stop of use (利用停止・消去, APPI art. 35): on the person's request the org
admin erases the person's identifying fields and every free text written about them, in one
transaction, and the case takes no further record.

What stays: the coded rows (consultations, activities, outcomes by type and date) that the
aggregate figures count, the consents (the record that sharing was allowed) and — in the
referrals service — the provision records, which the law requires until their retention
ends. Nothing is announced on the queue: the reports keep what they counted."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Conflict
from common.permissions import Perm
from common.principal import Principal
from services.cases.models import (
    Activity,
    Consent,
    Contact,
    Note,
    Outcome,
    StageChange,
)
from services.cases.operations.common import (
    audit,
    load_case,
    person_age_band,
    remember_staff,
    require,
)
from services.cases.operations.imports import sa_rowcount
from services.cases.schemas import EraseBody

ERASED_NAME = "—"
"""What stands for the person's name once erased (the pages say 消去済み beside it)."""

FREE_TEXT: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (Contact, ("summary",)),
    (Activity, ("place", "note")),
    (Outcome, ("employer", "sector", "note")),
    (Consent, ("note", "withdraw_reason")),
)
"""Free-text columns under a case: what was written about the person, in any words."""


def erase(
    session: Session, principal: Principal, case_id: uuid.UUID, body: EraseBody, now: datetime
) -> dict[str, Any]:
    case = load_case(session, principal, case_id, for_update=True, erased_ok=True)
    require(principal, Perm.PRIVACY_MANAGE, "erase a person's data")
    if case.erased_at is not None:
        raise Conflict("The person's data is already erased", code="already_erased")
    remember_staff(session, principal)
    person = case.person
    # The age band is kept (it identifies no one and the pages group by it).
    person.age_band = person_age_band(case)
    person.display_name = ERASED_NAME
    person.search_key = ""
    person.anonymous = True
    for field in ("kana", "birth_year", "municipality", "phone", "email", "address"):
        setattr(person, field, None)
    counts: dict[str, int] = {}
    for model, columns in FREE_TEXT:
        result = session.execute(
            sa.update(model)
            .where(model.case_id == case.id, model.org_id == case.org_id)
            .values(dict.fromkeys(columns))
        )
        counts[model.__tablename__] = sa_rowcount(result)
    notes = session.execute(
        sa.update(Note).where(Note.case_id == case.id, Note.org_id == case.org_id).values(body="")
    )
    counts["notes"] = sa_rowcount(notes)
    session.execute(
        sa.update(StageChange)
        .where(
            StageChange.case_id == case.id,
            StageChange.org_id == case.org_id,
            StageChange.kind.in_(("set", "close", "reopen")),
        )
        .values(reason=None)
    )
    case.close_reason = None
    case.origin_packet = None
    case.external_ref = None
    case.erased_at = now
    case.erased_by = principal.user_id
    case.version += 1
    # Visible in the person's history: when and why, by whom (the reason is the admin's).
    session.add(
        StageChange(
            org_id=case.org_id,
            case_id=case.id,
            recorded_by=principal.user_id,
            from_stage=case.stage,
            to_stage=case.stage,
            kind="erase",
            reason=body.reason,
            changed_at=now,
        )
    )
    audit(
        session,
        principal,
        "case.erase",
        "case",
        case.id,
        purpose="request of the person (APPI art. 35)",
        details={"reason": body.reason, "rows_cleared": counts},
    )
    session.commit()
    return {
        "case_id": str(case.id),
        "erased_at": now.isoformat(),
        "rows_cleared": counts,
        "kept": ["coded records", "consents", "provision records until their retention ends"],
    }
