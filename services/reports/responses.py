"""The shapes of the reports service's success answers, as its OpenAPI document declares
them (``endpoint(response=...)``). The operations build plain dicts; these models describe
them for clients and for the fuzz tier (tests/fuzz).

Top-level fields are declared exactly (a field the code adds but a model does not name fails
the tier). Table rows whose columns follow the KPI definitions (KPI rows, funnel stages,
referral edges, diff entries) are declared as objects: a small cell in a consortium view is
text such as ``"<5"`` instead of a number (services/reports/domain/suppression.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from common.http.openapi import Answer


class PlanYear(Answer):
    fiscal_year: int
    label: str
    label_en: str


class Plan(Answer):
    start_fiscal_year: int
    years: int
    label: str
    fiscal_years: list[PlanYear]


class SnapshotMark(Answer):
    """The newest frozen version of the shown report, and whether figures moved since."""

    id: str
    version: int
    frozen_at: datetime
    changed: bool


class KpiReport(Answer):
    fiscal_year: int
    label: str
    label_en: str
    scope: str
    scope_id: str
    scope_name: str | None
    as_of: datetime | None
    plan: Plan
    rows: list[dict[str, Any]]
    suppressed: bool
    small_cell_threshold: int | None = None  # only when small cells are hidden
    snapshot: SnapshotMark | None = None


class ReportHead(Answer):
    fiscal_year: int
    label: str
    label_en: str
    scope: str
    scope_id: str
    suppressed: bool


class FunnelReport(ReportHead):
    stages: list[dict[str, Any]]


class LadderReport(ReportHead):
    rungs: list[dict[str, Any]]


class MonthlyRow(Answer):
    kpi: str
    label: str
    label_en: str
    counts: str
    months: list[dict[str, Any]]


class MonthlyReport(ReportHead):
    rows: list[MonthlyRow]


class FlowOrg(Answer):
    id: str
    name: str
    kind: str


class ReferralFlowReport(ReportHead):
    edges: list[dict[str, Any]]
    total: dict[str, Any]
    orgs: list[FlowOrg]


class ChartTable(Answer):
    """The table alternative every chart carries (accessibility)."""

    columns: list[str]
    columns_en: list[str]
    rows: list[list[Any]]


class Chart(Answer):
    """``targets``: ``plan`` and ``charts``; ``funnel``: ``categories`` and ``series``;
    ``referral-flow``: ``edges``, ``total`` and ``orgs``."""

    chart: str
    title: str
    title_en: str
    fiscal_year: int
    label: str
    scope: str
    scope_id: str
    suppressed: bool
    table: ChartTable | None = None
    label_en: str | None = None
    plan: Plan | None = None
    charts: list[dict[str, Any]] | None = None
    categories: list[str] | None = None
    categories_en: list[str] | None = None
    series: list[dict[str, Any]] | None = None
    edges: list[dict[str, Any]] | None = None
    total: dict[str, Any] | None = None
    orgs: list[FlowOrg] | None = None


class KpiLabel(Answer):
    kpi: str
    label: str
    label_en: str


class TargetYear(Answer):
    fiscal_year: int
    label: str
    targets: dict[str, int | None]


class Targets(Answer):
    scope: str
    scope_id: str
    fiscal_year: int
    label: str
    plan: Plan
    plan_stored: bool
    editable: bool
    kpis: list[KpiLabel]
    years: list[TargetYear]


class SnapshotMeta(Answer):
    id: str
    scope: str
    scope_id: str
    fiscal_year: int
    label: str
    version: int
    frozen_at: datetime
    frozen_by: str | None
    note: str | None


class SnapshotView(SnapshotMeta):
    report: KpiReport
    changed: bool
    changes: list[dict[str, Any]]


class AllowanceLedger(Answer):
    """Exact figures (an org's own payments, or every member's for the consortium admin)."""

    fiscal_year: int
    label: str
    label_en: str
    scope: str
    scope_id: str
    scope_name: str | None
    as_of: datetime | None
    suppressed: bool
    paid_types: list[str]
    persons: list[dict[str, Any]]
    members: list[dict[str, Any]]
    total: dict[str, Any]


class MembersPlan(Answer):
    start_fiscal_year: int
    years: int
    fiscal_years: list[PlanYear]


class KpiColumn(KpiLabel):
    counts: str


class MemberTables(Answer):
    fiscal_year: int
    label: str
    label_en: str
    scope: str
    scope_id: str
    plan: MembersPlan
    kpis: list[KpiColumn]
    members: list[dict[str, Any]]
    suppressed: bool
    small_cell_threshold: int | None
    editable: bool


class MemberStart(Answer):
    org_id: str
    starts_on: date | None
    registered_on: date | None
    start_set: bool
