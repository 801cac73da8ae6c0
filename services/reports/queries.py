"""Reads of the read model. Each is a primary-key range read on a small table; none
touches the stored events or the facts (DESIGN: reports answer from aggregates)."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reports.domain.access import Scope, ScopeKind
from services.reports.domain.allowances import PaymentRow
from services.reports.domain.plan import PlanPeriod, plan_for
from services.reports.domain.referrals import ReferralTimes
from services.reports.domain.report import Counts, kpi_report
from services.reports.models import (
    AllowancePayment,
    Fact,
    LadderStep,
    Membership,
    OrgDirectoryEntry,
    Plan,
    ReferralRecord,
    Snapshot,
    StoredEvent,
    Tally,
    Target,
)

MonthCounts = tuple[int, int, int]
"""events, persons, new_persons"""


def _scoped(model: Any, scope: Scope) -> tuple[Any, ...]:
    return (model.scope_kind == scope.kind.value, model.scope_id == scope.id)


def year_tallies(
    session: Session, scope: Scope, years: Iterable[int]
) -> dict[int, dict[str, Counts]]:
    out: dict[int, dict[str, Counts]] = defaultdict(dict)
    for year, measure, events, persons in session.execute(
        sa.select(Tally.fiscal_year, Tally.measure, Tally.events, Tally.persons).where(
            *_scoped(Tally, scope), Tally.fiscal_year.in_(list(years)), Tally.period == 0
        )
    ):
        out[year][measure] = Counts(events, persons)
    return dict(out)


def month_tallies(session: Session, scope: Scope, year: int) -> dict[int, dict[str, MonthCounts]]:
    out: dict[int, dict[str, MonthCounts]] = defaultdict(dict)
    for period, measure, events, persons, new_persons in session.execute(
        sa.select(
            Tally.period, Tally.measure, Tally.events, Tally.persons, Tally.new_persons
        ).where(*_scoped(Tally, scope), Tally.fiscal_year == year, Tally.period > 0)
    ):
        out[period][measure] = (events, persons, new_persons)
    return dict(out)


def targets_for(session: Session, scope: Scope, years: Iterable[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for year, code, target in session.execute(
        sa.select(Target.fiscal_year, Target.kpi, Target.target).where(
            *_scoped(Target, scope), Target.fiscal_year.in_(list(years))
        )
    ):
        out[year][code] = target
    return dict(out)


def stored_plan(session: Session, scope: Scope) -> PlanPeriod | None:
    row = session.get(Plan, (scope.kind.value, scope.id))
    return PlanPeriod(row.start_fiscal_year, row.years) if row else None


def plan_period(session: Session, scope: Scope, year: int) -> PlanPeriod:
    stored = stored_plan(session, scope)
    earliest = None
    if stored is None:
        earliest = session.scalar(
            sa.select(sa.func.min(Target.fiscal_year)).where(*_scoped(Target, scope))
        )
    return plan_for(year, stored=stored, earliest_target_year=earliest)


def org_name(session: Session, org_id: uuid.UUID) -> str | None:
    return session.scalar(
        sa.select(OrgDirectoryEntry.name).where(OrgDirectoryEntry.org_id == org_id)
    )


def org_names(session: Session, org_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
    ids = list(set(org_ids))
    if not ids:
        return {}
    return {
        org_id: (name, kind)
        for org_id, name, kind in session.execute(
            sa.select(
                OrgDirectoryEntry.org_id, OrgDirectoryEntry.name, OrgDirectoryEntry.kind
            ).where(OrgDirectoryEntry.org_id.in_(ids))
        )
    }


def last_event_at(session: Session) -> datetime | None:
    """When the newest event was stored: how fresh the figures are."""
    return session.scalar(sa.select(sa.func.max(StoredEvent.received_at)))


def scope_name(session: Session, scope: Scope) -> str | None:
    return org_name(session, scope.id) if scope.kind is ScopeKind.ORG else None


def raw_kpi_report(session: Session, scope: Scope, year: int) -> dict[str, Any]:
    """The unsuppressed KPI table of one scope and year, with its plan period."""
    plan = plan_period(session, scope, year)
    years = plan.fiscal_years
    report = kpi_report(
        year, plan, year_tallies(session, scope, years), targets_for(session, scope, years)
    )
    as_of = last_event_at(session)
    return {
        "fiscal_year": report.pop("fiscal_year"),
        "label": report.pop("label"),
        "label_en": report.pop("label_en"),
        "scope": scope.kind.value,
        "scope_id": str(scope.id),
        "scope_name": scope_name(session, scope),
        "as_of": as_of.isoformat() if as_of else None,
        **report,
    }


def referrals_for(session: Session, scope: Scope, year: int) -> list[ReferralTimes]:
    stmt = sa.select(ReferralRecord).where(ReferralRecord.fiscal_year == year)
    if scope.kind is ScopeKind.ORG:
        stmt = stmt.where(
            sa.or_(ReferralRecord.from_org_id == scope.id, ReferralRecord.to_org_id == scope.id)
        )
    else:
        stmt = stmt.where(ReferralRecord.consortium_id == scope.id)
    return [
        ReferralTimes(
            referral_id=r.referral_id,
            from_org_id=r.from_org_id,
            to_org_id=r.to_org_id,
            sent_at=r.sent_at,
            viewed_at=r.viewed_at,
            accepted_at=r.accepted_at,
            declined_at=r.declined_at,
            withdrawn_at=r.withdrawn_at,
            completed_at=r.completed_at,
            expired_at=r.expired_at,
        )
        for r in session.scalars(stmt)
    ]


def snapshots_of(session: Session, scope: Scope, year: int | None) -> list[Snapshot]:
    stmt = sa.select(Snapshot).where(*_scoped(Snapshot, scope))
    if year is not None:
        stmt = stmt.where(Snapshot.fiscal_year == year)
    return list(
        session.scalars(stmt.order_by(Snapshot.fiscal_year.desc(), Snapshot.version.desc()))
    )


def latest_snapshot(session: Session, scope: Scope, year: int) -> Snapshot | None:
    return session.scalar(
        sa.select(Snapshot)
        .where(*_scoped(Snapshot, scope), Snapshot.fiscal_year == year)
        .order_by(Snapshot.version.desc())
        .limit(1)
    )


def snapshot_content(snapshot: Snapshot) -> dict[str, Any]:
    content: dict[str, Any] = json.loads(snapshot.content)
    return content


def allowance_rows(session: Session, scope: Scope, year: int) -> list[PaymentRow]:
    """The year's allowance payments of an org, or of every member of a consortium
    (index on (org_id | consortium_id, fiscal_year))."""
    column = (
        AllowancePayment.org_id if scope.kind is ScopeKind.ORG else AllowancePayment.consortium_id
    )
    return [
        PaymentRow(r.org_id, r.person_key, r.activity_type, r.days, r.allowance_yen)
        for r in session.execute(
            sa.select(
                AllowancePayment.org_id,
                AllowancePayment.person_key,
                AllowancePayment.activity_type,
                AllowancePayment.days,
                AllowancePayment.allowance_yen,
            ).where(column == scope.id, AllowancePayment.fiscal_year == year)
        )
    ]


def ladder_dates(session: Session, scope: Scope, year: int) -> list[tuple[str, str, datetime]]:
    """(person key, rung, first date) of every person with a rung in the year in the
    scope — all their rungs, so the time on a rung can run into a later year. A consortium
    takes each person's earliest date over its members."""
    column = LadderStep.org_id if scope.kind is ScopeKind.ORG else LadderStep.consortium_id
    persons = sa.select(LadderStep.person_key).where(
        column == scope.id, LadderStep.fiscal_year == year
    )
    return [
        (person_key, rung, at)
        for person_key, rung, at in session.execute(
            sa.select(LadderStep.person_key, LadderStep.rung, sa.func.min(LadderStep.reached_at))
            .where(column == scope.id, LadderStep.person_key.in_(persons))
            .group_by(LadderStep.person_key, LadderStep.rung)
        )
    ]


def members_of(session: Session, consortium_id: uuid.UUID) -> list[Any]:
    """The consortium's members with their names and start data, by name."""
    return list(
        session.execute(
            sa.select(
                Membership.org_id,
                Membership.registered_at,
                Membership.starts_on,
                OrgDirectoryEntry.name,
                OrgDirectoryEntry.kind,
                OrgDirectoryEntry.status,
            )
            .join(OrgDirectoryEntry, OrgDirectoryEntry.org_id == Membership.org_id)
            .where(Membership.consortium_id == consortium_id)
            .order_by(OrgDirectoryEntry.name, Membership.org_id)
        )
    )


def org_year_tallies(
    session: Session, org_ids: Iterable[uuid.UUID], years: Iterable[int]
) -> dict[tuple[uuid.UUID, int], dict[str, Counts]]:
    """(org, year) → measure → counts, for whole fiscal years (period 0)."""
    out: dict[tuple[uuid.UUID, int], dict[str, Counts]] = defaultdict(dict)
    for org_id, year, measure, events, persons in session.execute(
        sa.select(
            Tally.scope_id, Tally.fiscal_year, Tally.measure, Tally.events, Tally.persons
        ).where(
            Tally.scope_kind == ScopeKind.ORG.value,
            Tally.scope_id.in_(list(org_ids)),
            Tally.fiscal_year.in_(list(years)),
            Tally.period == 0,
        )
    ):
        out[(org_id, year)][measure] = Counts(events, persons)
    return dict(out)


def org_counts_since(
    session: Session, org_id: uuid.UUID, year: int, since: datetime
) -> dict[str, Counts]:
    """Measure → counts of one org's facts in a year from a moment on (a member's start
    year): events and distinct persons (index on (org_id, fiscal_year))."""
    return {
        measure: Counts(events, persons)
        for measure, events, persons in session.execute(
            sa.select(Fact.measure, sa.func.count(), sa.func.count(sa.distinct(Fact.subject)))
            .where(Fact.org_id == org_id, Fact.fiscal_year == year, Fact.occurred_at >= since)
            .group_by(Fact.measure)
        )
    }
