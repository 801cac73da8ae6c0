"""Retention of closed cases: the org admin's policy (years after closing), the dry run that
lists what is due, and the worker's job that removes each due case — its person, records,
consents and notes — in its own transaction with an audit entry naming no one.

Nothing is announced on the queue: the reports keep the events they counted, so the
aggregate figures of past years stay as they were."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from common.audit import record_audit
from common.errors import ValidationFailed
from common.permissions import Perm
from common.principal import Principal
from services.cases.domain import retention as rules
from services.cases.models import (
    Activity,
    AuditEntry,
    Case,
    Consent,
    Contact,
    Note,
    Outcome,
    Person,
    RetentionPolicy,
    StageChange,
)
from services.cases.operations.common import audit, iso, require, tenant_of
from services.cases.schemas import RetentionPolicyBody

log = logging.getLogger(__name__)
CASE_RECORDS = (Contact, Activity, Outcome, Consent, Note, StageChange)
DUE_LIST_LIMIT = 500


def policy_as_dict(row: RetentionPolicy | None) -> dict[str, Any]:
    return {
        "closed_case_years": row.closed_case_years if row else None,
        "minimum_years": rules.MINIMUM_YEARS,
        "maximum_years": rules.MAXIMUM_YEARS,
        "updated_at": iso(row.updated_at) if row else None,
        "updated_by": str(row.updated_by) if row and row.updated_by else None,
    }


def get_policy(session: Session, principal: Principal) -> dict[str, Any]:
    require(principal, Perm.PRIVACY_MANAGE, "read the retention policy")
    answer = policy_as_dict(session.get(RetentionPolicy, tenant_of(principal)))
    session.commit()
    return answer


def set_policy(
    session: Session, principal: Principal, body: RetentionPolicyBody, now: datetime
) -> dict[str, Any]:
    require(principal, Perm.PRIVACY_MANAGE, "set the retention policy")
    org_id = tenant_of(principal)
    errors = rules.policy_errors(body.closed_case_years)
    if errors:
        raise ValidationFailed(errors)
    row = session.get(RetentionPolicy, org_id)
    before = row.closed_case_years if row else None
    if row is None:
        row = RetentionPolicy(org_id=org_id, closed_case_years=body.closed_case_years)
        session.add(row)
    row.closed_case_years = body.closed_case_years
    row.updated_at = now
    row.updated_by = principal.user_id
    audit(
        session,
        principal,
        "retention.policy_set",
        "retention_policy",
        org_id,
        details={"closed_case_years": body.closed_case_years, "before": before},
    )
    session.commit()
    return policy_as_dict(row)


def _due_cases(session: Session, org_id: uuid.UUID, years: int, now: datetime) -> sa.Select[Any]:
    return (
        sa.select(Case)
        .where(
            Case.org_id == org_id,
            Case.stage == "closed",
            Case.closed_at.is_not(None),
            Case.closed_at < rules.closed_before(now, years),
        )
        .order_by(Case.closed_at, Case.id)
    )


def due(session: Session, principal: Principal, now: datetime) -> dict[str, Any]:
    """The dry run: every closed case the next run would remove, with when it became due."""
    require(principal, Perm.PRIVACY_MANAGE, "read what retention removes")
    org_id = tenant_of(principal)
    policy = session.get(RetentionPolicy, org_id)
    items: list[dict[str, Any]] = []
    if policy is not None:
        for case in session.scalars(
            _due_cases(session, org_id, policy.closed_case_years, now).limit(DUE_LIST_LIMIT)
        ):
            assert case.closed_at is not None
            items.append(
                {
                    "case_id": str(case.id),
                    "display_name": case.person.display_name,
                    "closed_at": iso(case.closed_at),
                    "close_reason_code": case.close_reason_code,
                    "due_at": iso(rules.removal_due(case.closed_at, policy.closed_case_years)),
                }
            )
    audit(session, principal, "retention.due_read", "retention_policy", org_id)
    session.commit()
    return {
        "policy": policy_as_dict(policy),
        "as_of": iso(now),
        "items": items,
        "truncated": len(items) == DUE_LIST_LIMIT,
    }


def remove_case(session: Session, case: Case, years: int, now: datetime) -> None:
    """Delete one case with everything under it and its person; the audit entry keeps only
    ids and dates (the log outlives the case)."""
    person_id = case.person_id
    for model in CASE_RECORDS:
        session.execute(sa.delete(model).where(model.case_id == case.id))
    session.execute(sa.delete(Case).where(Case.id == case.id))
    session.execute(sa.delete(Person).where(Person.id == person_id))
    record_audit(
        session,
        AuditEntry,
        action="case.retention_removed",
        resource_type="case",
        resource_id=case.id,
        org_id=case.org_id,
        details={
            "closed_at": iso(case.closed_at),
            "closed_case_years": years,
            "removed_at": iso(now),
        },
    )


@dataclass
class RetentionRun:
    removed: int = 0


def run_retention(session_factory: sessionmaker[Session], now: datetime) -> RetentionRun:
    """The worker's job: for every org with a policy, remove its closed cases that are due.
    One transaction per case, so one failure stops nothing else."""
    run = RetentionRun()
    with session_factory() as session:
        policies = [
            (p.org_id, p.closed_case_years) for p in session.scalars(sa.select(RetentionPolicy))
        ]
        session.rollback()
    for org_id, years in policies:
        with session_factory() as session:
            ids = list(
                session.scalars(_due_cases(session, org_id, years, now).with_only_columns(Case.id))
            )
            session.rollback()
        for case_id in ids:
            with session_factory() as session:
                try:
                    case = session.scalar(
                        _due_cases(session, org_id, years, now)
                        .where(Case.id == case_id)
                        .with_for_update(of=Case)
                    )
                    if case is None:  # reopened meanwhile
                        session.rollback()
                        continue
                    remove_case(session, case, years, now)
                    session.commit()
                    run.removed += 1
                except sa.exc.SQLAlchemyError:
                    session.rollback()
                    log.exception(
                        "retention: case could not be removed", extra={"case_id": str(case_id)}
                    )
    return run
