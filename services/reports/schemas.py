"""Queries and bodies of the reports API (pydantic: bad input is a 422 with fields)."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from common.clock import utcnow
from common.fiscal import fiscal_year_of
from common.schemas import Body, Query
from services.reports.domain.access import ScopeKind
from services.reports.domain.kpi import Kpi
from services.reports.domain.plan import MAX_PLAN_YEARS

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_TARGET = 10_000_000

FiscalYear = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]
TargetValue = Annotated[int, Field(strict=True, ge=0, le=MAX_TARGET)]


def current_fiscal_year() -> int:
    return fiscal_year_of(utcnow())


class Lang(StrEnum):
    JA = "ja"
    EN = "en"


class ScopeQuery(Query):
    scope: ScopeKind = ScopeKind.ORG
    org_id: uuid.UUID | None = None
    """Optional; must be one's own org (anything else is 404)."""
    consortium_id: uuid.UUID | None = None
    """Optional; must be one's own consortium (anything else is 404)."""

    @property
    def requested(self) -> uuid.UUID | None:
        return self.org_id if self.scope is ScopeKind.ORG else self.consortium_id


class ReportQuery(ScopeQuery):
    fiscal_year: FiscalYear = Field(default_factory=current_fiscal_year)
    lang: Lang = Lang.JA


class ExportQuery(ReportQuery):
    snapshot_id: uuid.UUID | None = None
    """Export a frozen snapshot instead of the current figures."""


class SnapshotListQuery(ScopeQuery):
    fiscal_year: FiscalYear | None = None


class PlanBody(Body):
    start_fiscal_year: FiscalYear
    years: Annotated[int, Field(ge=1, le=MAX_PLAN_YEARS)]


class TargetsBody(Body):
    fiscal_year: FiscalYear
    scope: ScopeKind = ScopeKind.ORG
    targets: dict[Kpi, TargetValue | None] = Field(default_factory=dict)
    """KPI code → target for the year; null removes a target."""
    plan: PlanBody | None = None
    """The plan period the cumulative column adds up (default: 3 years)."""

    @model_validator(mode="after")
    def _something(self) -> TargetsBody:
        if not self.targets and self.plan is None:
            raise ValueError("Give targets, a plan, or both")
        return self


class SnapshotBody(Body):
    fiscal_year: FiscalYear
    scope: ScopeKind = ScopeKind.ORG
    note: Annotated[str, StringConstraints(max_length=500)] | None = None


class MembersQuery(Query):
    fiscal_year: FiscalYear = Field(default_factory=current_fiscal_year)
    consortium_id: uuid.UUID | None = None
    """Optional; must be one's own consortium (anything else is 404)."""
    lang: Lang = Lang.JA


class MembershipBody(Body):
    starts_on: Annotated[date, Field(ge=date(MIN_YEAR, 1, 1), le=date(MAX_YEAR, 12, 31))] | None
    """The first day (JST) the member's figures count; null: from its registration."""
