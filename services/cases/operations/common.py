"""Scoped loading, permission checks, audit and the JSON shapes the operations share."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.audit import auditor
from common.clock import JST, utcnow
from common.errors import Conflict, Forbidden, NotFound
from common.permissions import Perm
from common.principal import Principal
from services.cases.domain import consents as consent_rules
from services.cases.domain.packets import age_band
from services.cases.domain.vocab import GIVEN_BY_ALIASES, Category, GivenBy
from services.cases.models import (
    Activity,
    AuditEntry,
    Case,
    Consent,
    Contact,
    Note,
    Outcome,
    Person,
    StaffMember,
    StageChange,
)

audit = auditor(AuditEntry)
"""Writes an entry to this service's audit log in the caller's transaction."""


def tenant_of(principal: Principal) -> uuid.UUID:
    """The caller's org. Principals without one (platform admins) see no case."""
    if principal.org_id is None:
        raise NotFound("No such case")
    return principal.org_id


def require(principal: Principal, permission: Perm, what: str) -> None:
    if not principal.can(permission):
        raise Forbidden(f"Your role may not {what}")


def case_scope(principal: Principal) -> sa.Select[Case]:
    """The cases this principal may see at all: their org's, and for volunteers only the
    ones they opened. Every case lookup starts here."""
    if not principal.can(Perm.CASE_READ):
        raise Forbidden("Your role may not read cases")
    stmt = sa.select(Case).where(Case.org_id == tenant_of(principal))
    if principal.can(Perm.CASE_READ_OWN_ONLY):
        stmt = stmt.where(Case.created_by == principal.user_id)
    return stmt


def load_case(
    session: Session,
    principal: Principal,
    case_id: uuid.UUID,
    *,
    for_update: bool = False,
    erased_ok: bool = False,
) -> Case:
    """The caller's case (404 otherwise). Loaded for a change, an erased case is refused
    (409): its use has stopped (APPI art. 35)."""
    stmt = case_scope(principal).where(Case.id == case_id)
    if for_update:
        stmt = stmt.with_for_update(of=Case)
    case = session.scalar(stmt)
    if case is None:
        raise NotFound("No such case")
    if for_update and case.erased_at is not None and not erased_ok:
        raise Conflict("The person's data was erased: the case takes no record", code="case_erased")
    if for_update:
        # The person was joined in before the case's lock was granted; once the lock is
        # ours, read (and lock) it afresh, or a concurrent edit's name or kana would be
        # overwritten by the stale one (PostgreSQL, READ COMMITTED).
        session.scalar(
            sa.select(Person)
            .where(Person.id == case.person_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    return case


def load_consent(session: Session, principal: Principal, consent_id: uuid.UUID) -> Consent:
    visible = case_scope(principal).with_only_columns(Case.id)
    consent = session.scalar(
        sa.select(Consent).where(
            Consent.id == consent_id,
            Consent.org_id == tenant_of(principal),
            Consent.case_id.in_(visible),
        )
    )
    if consent is None:
        raise NotFound("No such consent")
    return consent


def remember_staff(session: Session, principal: Principal) -> None:
    """Keep the caller in the org's list of people cases can be assigned to."""
    if principal.org_id is None:
        return
    role = sorted(principal.roles)[0] if principal.roles else ""
    row = session.get(StaffMember, principal.user_id)
    if row is None:
        session.add(
            StaffMember(
                user_id=principal.user_id,
                org_id=principal.org_id,
                name=principal.name[:100],
                role=role,
                last_seen_at=utcnow(),
            )
        )
    elif (row.name, row.role, row.org_id) != (principal.name[:100], role, principal.org_id):
        row.name, row.role, row.org_id = principal.name[:100], role, principal.org_id
        row.last_seen_at = utcnow()


def this_year() -> int:
    return utcnow().astimezone(JST).year


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def sid(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


# --- shapes ------------------------------------------------------------------------------


def person_as_dict(case: Case, *, contact_details: bool = True) -> dict[str, Any]:
    person = case.person
    out: dict[str, Any] = {
        "display_name": person.display_name,
        "kana": person.kana,
        "anonymous": person.anonymous,
        "birth_year": person.birth_year,
        "age_band": person_age_band(case),
        "gender": person.gender,
        "municipality": person.municipality,
    }
    if contact_details:
        out |= {"phone": person.phone, "email": person.email, "address": person.address}
    return out


def person_age_band(case: Case) -> str:
    person = case.person
    if person.birth_year is None and person.age_band:
        return person.age_band
    return age_band(person.birth_year, this_year()).value


def case_summary(case: Case) -> dict[str, Any]:
    """A case as lists show it: no contact details, no notes, nothing sensitive."""
    return {
        "id": str(case.id),
        "org_id": str(case.org_id),
        "person_key": str(case.person.person_key),
        "stage": case.stage,
        "assigned_to": sid(case.assigned_to),
        "created_by": sid(case.created_by),
        "opened_at": iso(case.opened_at),
        "closed_at": iso(case.closed_at),
        "last_activity_at": iso(case.last_activity_at),
        "origin_referral_id": sid(case.origin_referral_id),
        "external_ref": case.external_ref,
        "version": case.version,
        "erased_at": iso(case.erased_at),
        "erased_by": sid(case.erased_by),
        "person": person_as_dict(case, contact_details=False),
    }


def contact_as_dict(row: Contact, *, may_read_sensitive: bool = True) -> dict[str, Any]:
    """A summary the writer kept marked sensitive is withheld from roles without
    sensitive-read (``summary_hidden``)."""
    hidden = row.summary_sensitive and not may_read_sensitive
    return {
        "id": str(row.id),
        "case_id": str(row.case_id),
        "channel": row.channel,
        "by": row.by,
        "relationship": row.relationship,
        "occurred_at": iso(row.occurred_at),
        "minutes": row.minutes,
        "summary": None if hidden else row.summary,
        "summary_sensitive": row.summary_sensitive,
        "summary_hidden": hidden,
        "recorded_by": sid(row.recorded_by),
        "created_at": iso(row.created_at),
    }


def activity_as_dict(row: Activity) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "case_id": str(row.case_id),
        "type": row.type,
        "occurred_at": iso(row.occurred_at),
        "place": row.place,
        "accompanied": row.accompanied,
        "days": row.days,
        "allowance_yen": row.allowance_yen,
        "checkpoint_months": row.checkpoint_months,
        "retained": row.retained,
        "note": row.note,
        "recorded_by": sid(row.recorded_by),
        "created_at": iso(row.created_at),
    }


def outcome_as_dict(row: Outcome) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "case_id": str(row.case_id),
        "type": row.type,
        "path": row.path,
        "employer": row.employer,
        "sector": row.sector,
        "retained": row.retained,
        "checkpoint_months": row.checkpoint_months,
        "occurred_at": iso(row.occurred_at),
        "note": row.note,
        "recorded_by": sid(row.recorded_by),
        "created_at": iso(row.created_at),
    }


def consent_facts(row: Consent) -> consent_rules.ConsentFacts:
    return consent_rules.ConsentFacts(
        id=row.id,
        to_org_ids=frozenset(uuid.UUID(o) for o in row.to_org_ids),
        categories=frozenset(Category(c) for c in row.categories),
        given_by=GivenBy(GIVEN_BY_ALIASES.get(row.given_by, row.given_by)),
        obtained_at=row.obtained_at,
        expires_at=row.expires_at,
        withdrawn_at=row.withdrawn_at,
    )


def consent_as_dict(row: Consent, now: datetime | None = None) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "case_id": str(row.case_id),
        "to_org_ids": list(row.to_org_ids),
        "categories": list(row.categories),
        "method": row.method,
        "given_by": row.given_by,
        "given_by_relationship": row.given_by_relationship,
        "representative_basis": row.representative_basis,
        "obtained_at": iso(row.obtained_at),
        "expires_at": iso(row.expires_at),
        "withdrawn_at": iso(row.withdrawn_at),
        "withdraw_reason": row.withdraw_reason,
        "note": row.note,
        "status": consent_rules.status(consent_facts(row), now or utcnow()),
        "recorded_by": sid(row.recorded_by),
        "created_at": iso(row.created_at),
    }


def stage_change_as_dict(row: StageChange) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "from_stage": row.from_stage,
        "to_stage": row.to_stage,
        "kind": row.kind,
        "reason": row.reason,
        "changed_at": iso(row.changed_at),
        "recorded_at": iso(row.created_at),
        "recorded_by": sid(row.recorded_by),
    }


def note_as_dict(row: Note, *, with_body: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(row.id),
        "case_id": str(row.case_id),
        "category": row.category,
        "sensitive": row.sensitive,
        "source": row.source,
        "recorded_at": iso(row.recorded_at),
        "recorded_by": sid(row.recorded_by),
    }
    if with_body:
        out["body"] = row.body
    return out


def who(principal: Principal) -> dict[str, Any]:
    """Envelope fields of an event caused by this principal."""
    return {"actor_id": principal.user_id, "consortium_id": principal.consortium_id}


def record_stage_change(
    session: Session,
    case: Case,
    principal: Principal | None,
    *,
    from_stage: str | None,
    kind: str,
    reason: str | None = None,
    at: datetime | None = None,
) -> StageChange:
    row = StageChange(
        org_id=case.org_id,
        case_id=case.id,
        from_stage=from_stage,
        to_stage=case.stage,
        kind=kind,
        reason=reason,
        changed_at=at or utcnow(),
        recorded_by=principal.user_id if principal else None,
    )
    session.add(row)
    return row
