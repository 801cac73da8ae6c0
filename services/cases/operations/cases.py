"""Opening, finding, reading, editing, closing and reopening cases."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager

from common.clock import utcnow
from common.errors import FieldError, ValidationFailed
from common.pagination import keyset_list
from common.permissions import Perm
from common.principal import Principal
from common.textnorm import search_key
from services.cases import events
from services.cases.domain import consents as consent_rules
from services.cases.domain import stages
from services.cases.domain.records import FUTURE_SLACK
from services.cases.domain.versions import Expected, check_version
from services.cases.domain.vocab import ContactBy, Stage
from services.cases.models import (
    Activity,
    Case,
    Consent,
    Contact,
    Outcome,
    Person,
    StaffMember,
    StageChange,
)
from services.cases.operations.common import (
    activity_as_dict,
    audit,
    case_scope,
    case_summary,
    consent_as_dict,
    consent_facts,
    contact_as_dict,
    load_case,
    outcome_as_dict,
    person_age_band,
    person_as_dict,
    record_stage_change,
    remember_staff,
    require,
    stage_change_as_dict,
    tenant_of,
    who,
)
from services.cases.operations.records import add_contact
from services.cases.schemas import CaseCreate, CaseListQuery, CasePatch, CloseBody, ReopenBody

KEY_SEPARATOR = "\x1f"


def person_search_key(display_name: str, kana: str | None) -> str:
    return KEY_SEPARATOR.join(k for k in (search_key(display_name), search_key(kana)) if k)


def check_assignee(session: Session, principal: Principal, user_id: uuid.UUID | None) -> None:
    if user_id is None or user_id == principal.user_id:
        return
    known = session.scalar(
        sa.select(StaffMember.user_id).where(
            StaffMember.user_id == user_id, StaffMember.org_id == tenant_of(principal)
        )
    )
    if known is None:
        raise ValidationFailed(
            FieldError("assigned_to", "Not a member of your organization", "unknown_user")
        )


def open_case(session: Session, principal: Principal, body: CaseCreate) -> dict[str, Any]:
    require(principal, Perm.CASE_WRITE, "open cases")
    org_id = tenant_of(principal)
    remember_staff(session, principal)
    check_assignee(session, principal, body.assigned_to)
    now = utcnow()
    opened_at = body.opened_at or now
    if body.first_contact is not None and body.opened_at is None:
        opened_at = min(opened_at, body.first_contact.occurred_at)
    if opened_at > now + FUTURE_SLACK:
        raise ValidationFailed(FieldError("opened_at", "May not be in the future", "in_future"))
    fields = body.person.model_dump()
    person = Person(
        org_id=org_id,
        person_key=uuid.uuid4(),
        search_key=person_search_key(fields["display_name"], fields["kana"]),
        **{k: (v.value if hasattr(v, "value") else v) for k, v in fields.items()},
    )
    session.add(person)
    session.flush()
    case = Case(
        org_id=org_id,
        person_id=person.id,
        person=person,
        stage=Stage.INTAKE.value,
        assigned_to=body.assigned_to,
        created_by=principal.user_id,
        opened_at=opened_at,
        last_activity_at=opened_at,
    )
    session.add(case)
    session.flush()
    record_stage_change(session, case, principal, from_stage=None, kind="open", at=opened_at)
    events.case_opened(session, case, person_age_band(case), **who(principal))
    audit(session, principal, "case.open", "case", case.id)
    if body.first_contact is not None:
        add_contact(session, principal, case, body.first_contact, now=now)
    session.commit()
    return case_detail(session, case, principal)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_cases(session: Session, principal: Principal, query: CaseListQuery) -> dict[str, Any]:
    stmt = (
        case_scope(principal)
        .join(Person, Case.person_id == Person.id)
        .options(contains_eager(Case.person))
    )
    filters = []
    if query.q:
        key = search_key(query.q)
        if key:
            # Matching persons first (one pass over short keys), then their cases in list
            # order: much faster than testing each case's joined person for a rare name.
            matching = sa.select(Person.id).where(
                Person.org_id == tenant_of(principal),
                Person.search_key.like(f"%{_escape_like(key)}%", escape="\\"),
            )
            stmt = stmt.where(Case.person_id.in_(matching))
            filters.append("q")
    if query.stage is not None:
        stmt = stmt.where(Case.stage == query.stage.value)
        filters.append("stage")
    elif not query.include_closed:
        stmt = stmt.where(Case.stage != Stage.CLOSED.value)
        filters.append("open")
    if query.assigned_to == "me":
        stmt = stmt.where(Case.assigned_to == principal.user_id)
    elif query.assigned_to == "none":
        stmt = stmt.where(Case.assigned_to.is_(None))
    elif query.assigned_to:
        stmt = stmt.where(Case.assigned_to == uuid.UUID(query.assigned_to))
    if query.assigned_to:
        filters.append("assigned_to")
    page = keyset_list(
        session, stmt, [Case.last_activity_at, Case.id], query.cursor, query.limit, descending=True
    )
    remember_staff(session, principal)
    audit(
        session,
        principal,
        "case.list",
        "case",
        None,
        details={"filters": filters, "count": len(page.items)},
    )
    session.commit()
    return page.as_dict(case_summary)


def _records(session: Session, model: Any, case: Case) -> list[Any]:
    order = {StageChange: "changed_at", Consent: "obtained_at"}.get(model, "occurred_at")
    # Ties (a stage reached by a record dated before the case opened is dated at the
    # opening) go in the order they were entered.
    return list(
        session.scalars(
            sa.select(model)
            .where(model.case_id == case.id, model.org_id == case.org_id)
            .order_by(getattr(model, order), model.created_at, model.id)
        )
    )


def case_detail(session: Session, case: Case, principal: Principal) -> dict[str, Any]:
    contacts = _records(session, Contact, case)
    consents = _records(session, Consent, case)
    now = utcnow()
    rung = consent_rules.ladder_rung(
        person_anonymous=case.person.anonymous,
        contact_parties=[ContactBy(c.by) for c in contacts],
        consents=[consent_facts(c) for c in consents],
        now=now,
    )
    return case_summary(case) | {
        "person": person_as_dict(case),
        "contacts": [
            contact_as_dict(c, may_read_sensitive=principal.can(Perm.CASE_READ_SENSITIVE))
            for c in contacts
        ],
        "activities": [activity_as_dict(a) for a in _records(session, Activity, case)],
        "outcomes": [outcome_as_dict(o) for o in _records(session, Outcome, case)],
        "consents": [consent_as_dict(c, now) for c in consents],
        "stage_history": [stage_change_as_dict(s) for s in _records(session, StageChange, case)],
        "close_reason": case.close_reason,
        "close_reason_code": case.close_reason_code,
        "family_only": bool(contacts) and all(c.by == ContactBy.FAMILY for c in contacts),
        "contact_count": len(contacts),
        "consent_ladder": {"rung": rung, "rungs": consent_rules.ladder(rung)},
        "origin_packet": case.origin_packet,
        "can_read_sensitive": principal.can(Perm.CASE_READ_SENSITIVE),
    }


def get_case(session: Session, principal: Principal, case_id: uuid.UUID) -> dict[str, Any]:
    case = load_case(session, principal, case_id)
    detail = case_detail(session, case, principal)
    audit(session, principal, "case.read", "case", case.id)
    session.commit()
    return detail


def timeline(session: Session, principal: Principal, case_id: uuid.UUID) -> dict[str, Any]:
    """Contacts, activities, outcomes and stage changes, newest first."""
    case = load_case(session, principal, case_id)
    rows: list[tuple[datetime, datetime, str, dict[str, Any]]] = []
    for row in _records(session, Contact, case):
        shown = contact_as_dict(row, may_read_sensitive=principal.can(Perm.CASE_READ_SENSITIVE))
        rows.append((row.occurred_at, row.created_at, "contact", shown))
    for act in _records(session, Activity, case):
        rows.append((act.occurred_at, act.created_at, "activity", activity_as_dict(act)))
    for out in _records(session, Outcome, case):
        rows.append((out.occurred_at, out.created_at, "outcome", outcome_as_dict(out)))
    for chg in _records(session, StageChange, case):
        rows.append((chg.changed_at, chg.created_at, "stage", stage_change_as_dict(chg)))
    rows.sort(key=lambda r: (r[0], r[1], r[3]["id"]), reverse=True)
    audit(session, principal, "case.timeline", "case", case.id)
    session.commit()
    return {
        "case_id": str(case.id),
        "items": [{"kind": kind, "at": at.isoformat(), "item": item} for at, _, kind, item in rows],
        "next_cursor": None,
    }


def update_case(
    session: Session,
    principal: Principal,
    case_id: uuid.UUID,
    body: CasePatch,
    expected: Expected | None = None,
) -> dict[str, Any]:
    """Change only the fields sent, on rows read under the case's lock; with ``expected``
    (If-Match) only if nobody changed the case since that version."""
    require(principal, Perm.CASE_WRITE, "change cases")
    case = load_case(session, principal, case_id, for_update=True)
    check_version(case.version, expected)
    remember_staff(session, principal)
    changed = body.model_dump(exclude_unset=True)
    fields: list[str] = []
    if body.person is not None:
        person_changes = body.person.model_dump(exclude_unset=True)
        if "display_name" in person_changes and person_changes["display_name"] is None:
            raise ValidationFailed(FieldError("person.display_name", "May not be empty", "missing"))
        person = case.person
        for name, value in person_changes.items():
            setattr(person, name, value.value if hasattr(value, "value") else value)
            fields.append(f"person.{name}")
        if "birth_year" in person_changes:
            person.age_band = None
        # Written in the same UPDATE as the name and kana it is made of.
        person.search_key = person_search_key(person.display_name, person.kana)
    if "assigned_to" in changed:
        check_assignee(session, principal, body.assigned_to)
        case.assigned_to = body.assigned_to
        fields.append("assigned_to")
    if body.stage is not None and body.stage.value != case.stage:
        current = Stage(case.stage)
        stages.check_set_stage(current, body.stage)
        case.stage = body.stage.value
        now = utcnow()
        record_stage_change(
            session,
            case,
            principal,
            from_stage=current.value,
            kind="set",
            reason=body.stage_reason,
            at=now,
        )
        events.stage_changed(session, case, current.value, now, "set", **who(principal))
        fields.append("stage")
    elif body.stage is not None:
        stages.check_set_stage(Stage(case.stage), body.stage)
    case.updated_at = utcnow()
    if fields:
        case.version += 1
    audit(session, principal, "case.update", "case", case.id, details={"fields": sorted(fields)})
    session.commit()
    return case_detail(session, case, principal)


def close_case(
    session: Session,
    principal: Principal,
    case_id: uuid.UUID,
    body: CloseBody,
    expected: Expected | None = None,
) -> dict[str, Any]:
    require(principal, Perm.CASE_WRITE, "close cases")
    case = load_case(session, principal, case_id, for_update=True)
    check_version(case.version, expected)
    current = Stage(case.stage)
    stages.check_close(current)
    now = utcnow()
    case.version += 1
    case.stage_before_close = current.value
    case.stage = Stage.CLOSED.value
    case.closed_at = now
    case.close_reason = body.reason
    case.close_reason_code = body.reason_code.value
    record_stage_change(
        session,
        case,
        principal,
        from_stage=current.value,
        kind="close",
        reason=body.reason,
        at=now,
    )
    events.case_closed(session, case, **who(principal))
    audit(
        session,
        principal,
        "case.close",
        "case",
        case.id,
        details={"reason_code": body.reason_code.value},
    )
    session.commit()
    return case_detail(session, case, principal)


def reopen_case(
    session: Session,
    principal: Principal,
    case_id: uuid.UUID,
    body: ReopenBody,
    expected: Expected | None = None,
) -> dict[str, Any]:
    require(principal, Perm.CASE_WRITE, "reopen cases")
    case = load_case(session, principal, case_id, for_update=True)
    check_version(case.version, expected)
    before = Stage(case.stage_before_close) if case.stage_before_close else None
    target = stages.reopen_stage(Stage(case.stage), before, body.stage)
    now = utcnow()
    case.version += 1
    case.stage = target.value
    case.closed_at = None
    case.close_reason = None
    case.close_reason_code = None
    case.stage_before_close = None
    record_stage_change(
        session,
        case,
        principal,
        from_stage=Stage.CLOSED.value,
        kind="reopen",
        reason=body.reason,
        at=now,
    )
    events.case_reopened(session, case, now, **who(principal))
    audit(session, principal, "case.reopen", "case", case.id)
    session.commit()
    return case_detail(session, case, principal)


def assignees(session: Session, principal: Principal) -> dict[str, Any]:
    """People of my org who have used the service: whom a case can be assigned to."""
    require(principal, Perm.CASE_READ, "read cases")
    remember_staff(session, principal)
    session.commit()
    rows = session.scalars(
        sa.select(StaffMember)
        .where(StaffMember.org_id == tenant_of(principal))
        .order_by(StaffMember.name, StaffMember.user_id)
    )
    return {
        "items": [
            {"id": str(r.user_id), "name": r.name, "role": r.role}
            for r in rows
            if r.role != "viewer"
        ],
        "next_cursor": None,
    }
