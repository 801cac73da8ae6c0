"""Consultations, support activities and outcomes on a case."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.clock import as_utc, utcnow
from common.errors import FieldError, ValidationFailed
from common.permissions import Perm
from common.principal import Principal
from services.cases import events
from services.cases.domain import records as rules
from services.cases.domain import stages
from services.cases.domain.sensitive import found_terms
from services.cases.domain.vocab import (
    EMPLOYMENT_PATHS,
    ActivityType,
    NoteCategory,
    OutcomeType,
    Stage,
)
from services.cases.models import Activity, Case, Contact, Note, Outcome, StageChange
from services.cases.operations.common import (
    activity_as_dict,
    audit,
    contact_as_dict,
    load_case,
    outcome_as_dict,
    record_stage_change,
    remember_staff,
    require,
    who,
)
from services.cases.operations.sensitive import org_terms
from services.cases.schemas import ActivityCreate, ContactCreate, OutcomeCreate


def _touch(case: Case, moment: datetime) -> None:
    if moment > case.last_activity_at:
        case.last_activity_at = moment
    case.updated_at = utcnow()


def _advance(
    session: Session,
    principal: Principal,
    case: Case,
    reached: Stage | None,
    record: Activity | Outcome,
) -> None:
    """Move the case up the ladder to where the new record says the person is, dated by
    the record (not by when it was typed) so the time spent on each rung is true."""
    current = Stage(case.stage)
    target = stages.advanced(current, reached)
    if target is None:
        return
    now = utcnow()
    previous = session.scalar(
        sa.select(sa.func.max(StageChange.changed_at)).where(
            StageChange.case_id == case.id, StageChange.org_id == case.org_id
        )
    )
    changed_at = rules.stage_change_moment(
        as_utc(record.occurred_at), as_utc(previous) if previous else case.opened_at, now
    )
    case.stage = target.value
    case.version += 1
    record_stage_change(
        session,
        case,
        principal,
        from_stage=current.value,
        kind="advance",
        reason=record.type,
        at=changed_at,
    )
    events.stage_changed(
        session, case, current.value, changed_at, "advance", record=record, **who(principal)
    )


def add_contact(
    session: Session, principal: Principal, case: Case, body: ContactCreate, *, now: datetime
) -> Contact:
    """In the caller's transaction (also used when a case opens with its first contact)."""
    problems = rules.contact_problems(body.by, body.relationship, body.occurred_at, now)
    summary = body.summary or None
    flagged = found_terms(summary, org_terms(session, case.org_id))
    if flagged and body.sensitive_choice is None:
        problems.append(
            FieldError(
                "summary",
                "The summary mentions sensitive information (要配慮個人情報): "
                + ", ".join(flagged)
                + ". Move it to a sensitive note, or keep it marked sensitive",
                "sensitive_terms",
            )
        )
    if problems:
        raise ValidationFailed(problems)
    moved_to_note = bool(flagged) and body.sensitive_choice == "note"
    contact = Contact(
        org_id=case.org_id,
        case_id=case.id,
        channel=body.channel.value,
        by=body.by.value,
        relationship=body.relationship.value if body.relationship else None,
        occurred_at=body.occurred_at,
        minutes=body.minutes,
        summary=None if moved_to_note else summary,
        summary_sensitive=bool(flagged) and body.sensitive_choice == "keep",
        recorded_by=principal.user_id,
    )
    session.add(contact)
    if moved_to_note:
        session.add(
            Note(
                org_id=case.org_id,
                case_id=case.id,
                category=NoteCategory.OTHER_SENSITIVE.value,
                sensitive=True,
                body=summary or "",
                recorded_at=now,
                recorded_by=principal.user_id,
            )
        )
    session.flush()
    _touch(case, contact.occurred_at)
    events.contact_logged(session, case, contact, **who(principal))
    audit(
        session, principal, "contact.create", "case", case.id, details={"contact": str(contact.id)}
    )
    return contact


def _writable_case(session: Session, principal: Principal, case_id: uuid.UUID) -> Case:
    require(principal, Perm.CASE_WRITE, "record on cases")
    case = load_case(session, principal, case_id, for_update=True)
    stages.check_open(Stage(case.stage))
    remember_staff(session, principal)
    return case


def log_contact(
    session: Session, principal: Principal, case_id: uuid.UUID, body: ContactCreate
) -> dict[str, Any]:
    case = _writable_case(session, principal, case_id)
    contact = add_contact(session, principal, case, body, now=utcnow())
    session.commit()
    return contact_as_dict(contact, may_read_sensitive=principal.can(Perm.CASE_READ_SENSITIVE))


def record_activity(
    session: Session, principal: Principal, case_id: uuid.UUID, body: ActivityCreate
) -> dict[str, Any]:
    case = _writable_case(session, principal, case_id)
    checkpoint = body.checkpoint_months
    derived = body.type is ActivityType.RETENTION_FOLLOWUP and checkpoint is None
    if derived:
        checkpoint = _derived_checkpoint(session, case, body.occurred_at)
    problems = rules.activity_problems(
        kind=body.type,
        occurred_at=body.occurred_at,
        days=body.days,
        allowance_yen=body.allowance_yen,
        checkpoint_months=checkpoint,
        retained=body.retained,
        now=utcnow(),
    )
    if problems:
        raise ValidationFailed(problems)
    activity = Activity(
        org_id=case.org_id,
        case_id=case.id,
        type=body.type.value,
        occurred_at=body.occurred_at,
        place=body.place or None,
        accompanied=body.accompanied,
        days=body.days,
        allowance_yen=body.allowance_yen,
        checkpoint_months=checkpoint,
        retained=body.retained,
        note=body.note or None,
        recorded_by=principal.user_id,
    )
    session.add(activity)
    session.flush()
    _touch(case, activity.occurred_at)
    events.activity_recorded(session, case, activity, **who(principal))
    _advance(session, principal, case, stages.ACTIVITY_STAGE.get(body.type), activity)
    audit(
        session,
        principal,
        "activity.create",
        "case",
        case.id,
        details={"activity": str(activity.id), "type": activity.type},
    )
    session.commit()
    return activity_as_dict(activity) | {"checkpoint_derived": derived}


def _derived_checkpoint(session: Session, case: Case, occurred_at: datetime) -> int:
    """The checkpoint of a follow-up sent without one (domain.records.derived_checkpoint):
    from the latest start of work on or before it, else the next one not yet recorded."""
    working_since = session.scalar(
        sa.select(sa.func.max(Outcome.occurred_at)).where(
            Outcome.case_id == case.id,
            Outcome.org_id == case.org_id,
            Outcome.type == OutcomeType.PATH_DECIDED.value,
            Outcome.path.in_([p.value for p in EMPLOYMENT_PATHS]),
            Outcome.occurred_at <= occurred_at,
        )
    )
    recorded = session.scalars(
        sa.select(Activity.checkpoint_months).where(
            Activity.case_id == case.id,
            Activity.org_id == case.org_id,
            Activity.type == ActivityType.RETENTION_FOLLOWUP.value,
        )
    )
    return rules.derived_checkpoint(
        occurred_at,
        as_utc(working_since) if working_since else None,
        [c for c in recorded if c is not None],
    )


def record_outcome(
    session: Session, principal: Principal, case_id: uuid.UUID, body: OutcomeCreate
) -> dict[str, Any]:
    case = _writable_case(session, principal, case_id)
    problems = rules.outcome_problems(
        kind=body.type,
        path=body.path,
        employer=body.employer,
        sector=body.sector,
        retained=body.retained,
        checkpoint_months=body.checkpoint_months,
        occurred_at=body.occurred_at,
        now=utcnow(),
    )
    if problems:
        raise ValidationFailed(problems)
    outcome = Outcome(
        org_id=case.org_id,
        case_id=case.id,
        type=body.type.value,
        path=body.path.value if body.path else None,
        employer=body.employer or None,
        sector=body.sector or None,
        retained=body.retained,
        checkpoint_months=body.checkpoint_months,
        occurred_at=body.occurred_at,
        note=body.note or None,
        recorded_by=principal.user_id,
    )
    session.add(outcome)
    session.flush()
    _touch(case, outcome.occurred_at)
    events.outcome_recorded(session, case, outcome, **who(principal))
    _advance(session, principal, case, stages.outcome_stage(body.type, body.path), outcome)
    audit(
        session,
        principal,
        "outcome.create",
        "case",
        case.id,
        details={"outcome": str(outcome.id), "type": outcome.type},
    )
    session.commit()
    return outcome_as_dict(outcome)
