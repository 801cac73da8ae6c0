"""The reports service's HTTP API: thin views that parse, call one operation, shape JSON.

Mounted by the gateway under ``/api/v1`` (``/reports/...`` and ``/audit``)."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, jsonify

from common.errors import NotFound
from common.http.audit_api import add_audit_route
from common.http.openapi import endpoint, page_of
from common.http.service import current_principal, db, service_context
from services.reports.models import AuditEntry
from services.reports.operations import (
    allowances,
    exports,
    members,
    reports,
    snapshots,
    targets,
)
from services.reports.operations.exports import XLSX_MIME
from services.reports.responses import (
    AllowanceLedger,
    Chart,
    FunnelReport,
    KpiReport,
    LadderReport,
    MemberStart,
    MemberTables,
    MonthlyReport,
    ReferralFlowReport,
    SnapshotMeta,
    SnapshotView,
    Targets,
)
from services.reports.schemas import (
    ExportQuery,
    MembershipBody,
    MembersQuery,
    ReportQuery,
    SnapshotBody,
    SnapshotListQuery,
    TargetsBody,
)

bp = Blueprint("reports", __name__)
TAGS = ("reports",)


def threshold() -> int:
    return service_context().settings.small_cell_threshold


@bp.get("/reports/kpi")
@endpoint(
    "KPI table: target, actual, attainment and the plan-period cumulative",
    query=ReportQuery,
    tags=TAGS,
    response=KpiReport,
)
def kpi(query: ReportQuery) -> Response:
    return jsonify(reports.kpi(db(), current_principal(), query, threshold()))


def _download(file: exports.ExportFile) -> Response:
    response = Response(file.content, mimetype=file.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response


@bp.get("/reports/kpi.csv")
@endpoint(
    "The KPI table as CSV (UTF-8 with BOM)", query=ExportQuery, tags=TAGS, media=("text/csv",)
)
def kpi_csv(query: ExportQuery) -> Response:
    return _download(exports.export_kpi(db(), current_principal(), query, "csv", threshold()))


@bp.get("/reports/kpi.xlsx")
@endpoint(
    "The KPI table as an Excel workbook in the programme's layout",
    query=ExportQuery,
    tags=TAGS,
    media=(XLSX_MIME,),
)
def kpi_xlsx(query: ExportQuery) -> Response:
    return _download(exports.export_kpi(db(), current_principal(), query, "xlsx", threshold()))


@bp.get("/reports/allowances")
@endpoint(
    "The allowance (手当) ledger of a fiscal year: per person, per member and overall",
    query=ReportQuery,
    tags=TAGS,
    response=AllowanceLedger,
)
def allowance_ledger(query: ReportQuery) -> Response:
    return jsonify(allowances.allowance_ledger(db(), current_principal(), query))


@bp.get("/reports/allowances.csv")
@endpoint(
    "The allowance ledger as CSV (UTF-8 with BOM)",
    query=ReportQuery,
    tags=TAGS,
    media=("text/csv",),
)
def allowances_csv(query: ReportQuery) -> Response:
    return _download(allowances.export_allowances(db(), current_principal(), query, "csv"))


@bp.get("/reports/allowances.xlsx")
@endpoint(
    "The allowance ledger as an Excel workbook", query=ReportQuery, tags=TAGS, media=(XLSX_MIME,)
)
def allowances_xlsx(query: ReportQuery) -> Response:
    return _download(allowances.export_allowances(db(), current_principal(), query, "xlsx"))


@bp.get("/reports/members")
@endpoint(
    "The consortium's members and their figures per plan year, each from its start",
    query=MembersQuery,
    tags=TAGS,
    response=MemberTables,
)
def member_tables(query: MembersQuery) -> Response:
    return jsonify(members.members_report(db(), current_principal(), query, threshold()))


@bp.get("/reports/members.csv")
@endpoint(
    "The member tables as CSV (UTF-8 with BOM)", query=MembersQuery, tags=TAGS, media=("text/csv",)
)
def members_csv(query: MembersQuery) -> Response:
    return _download(members.export_members(db(), current_principal(), query, "csv", threshold()))


@bp.get("/reports/members.xlsx")
@endpoint(
    "The member tables as an Excel workbook", query=MembersQuery, tags=TAGS, media=(XLSX_MIME,)
)
def members_xlsx(query: MembersQuery) -> Response:
    return _download(members.export_members(db(), current_principal(), query, "xlsx", threshold()))


@bp.put("/reports/members/<uuid:org_id>")
@endpoint(
    "Set when a member's figures start counting (consortium admin); null: its registration",
    body=MembershipBody,
    tags=TAGS,
    response=MemberStart,
)
def set_member_start(org_id: uuid.UUID, body: MembershipBody) -> Response:
    return jsonify(members.set_start(db(), current_principal(), org_id, body))


@bp.get("/reports/targets")
@endpoint(
    "Targets of the plan period containing the year", query=ReportQuery, tags=TAGS, response=Targets
)
def get_targets(query: ReportQuery) -> Response:
    return jsonify(targets.get_targets(db(), current_principal(), query))


@bp.put("/reports/targets")
@endpoint(
    "Set targets for a year (and optionally the plan period)",
    body=TargetsBody,
    tags=TAGS,
    response=Targets,
)
def put_targets(body: TargetsBody) -> Response:
    return jsonify(targets.put_targets(db(), current_principal(), body))


@bp.get("/reports/funnel")
@endpoint(
    "Consultation → job search → path decided → retained at 6 months",
    query=ReportQuery,
    tags=TAGS,
    response=FunnelReport,
)
def funnel(query: ReportQuery) -> Response:
    return jsonify(reports.funnel(db(), current_principal(), query, threshold()))


@bp.get("/reports/ladder")
@endpoint(
    "The ladder 相談 → 職場見学 → カントリーワーク → 体験就労 → 求職活動 → 進路決定 → 定着: "
    "persons reaching each rung in the year and the median days on it",
    query=ReportQuery,
    tags=TAGS,
    response=LadderReport,
)
def ladder(query: ReportQuery) -> Response:
    return jsonify(reports.ladder_report(db(), current_principal(), query, threshold()))


@bp.get("/reports/ladder.csv")
@endpoint("The ladder as CSV (UTF-8 with BOM)", query=ReportQuery, tags=TAGS, media=("text/csv",))
def ladder_csv(query: ReportQuery) -> Response:
    return _download(exports.export_ladder(db(), current_principal(), query, "csv", threshold()))


@bp.get("/reports/ladder.xlsx")
@endpoint("The ladder as an Excel workbook", query=ReportQuery, tags=TAGS, media=(XLSX_MIME,))
def ladder_xlsx(query: ReportQuery) -> Response:
    return _download(exports.export_ladder(db(), current_principal(), query, "xlsx", threshold()))


@bp.get("/reports/monthly")
@endpoint(
    "KPI figures by month within a fiscal year",
    query=ReportQuery,
    tags=TAGS,
    response=MonthlyReport,
)
def monthly(query: ReportQuery) -> Response:
    return jsonify(reports.monthly(db(), current_principal(), query, threshold()))


@bp.get("/reports/referral-flow")
@endpoint(
    "Referrals between members: sent, accepted, declined, completed, time to acceptance",
    query=ReportQuery,
    tags=TAGS,
    response=ReferralFlowReport,
)
def referral_flow(query: ReportQuery) -> Response:
    return jsonify(reports.referral_flow(db(), current_principal(), query, threshold()))


@bp.get("/reports/charts/<name>")
@endpoint(
    "Data for a chart and its table alternative: targets, funnel, referral-flow, ladder",
    query=ReportQuery,
    tags=TAGS,
    response=Chart,
)
def chart(name: str, query: ReportQuery) -> Response:
    build = reports.CHARTS.get(name)
    if build is None:
        raise NotFound("No such chart")
    return jsonify(build(db(), current_principal(), query, threshold()))


@bp.post("/reports/snapshots")
@endpoint(
    "Freeze the year's report as a new dated version",
    body=SnapshotBody,
    status=201,
    tags=TAGS,
    response=SnapshotView,
)
def freeze(body: SnapshotBody) -> tuple[Response, int]:
    return jsonify(snapshots.freeze(db(), current_principal(), body, threshold())), 201


@bp.get("/reports/snapshots")
@endpoint(
    "Frozen versions of my org's or consortium's reports",
    query=SnapshotListQuery,
    tags=TAGS,
    response=page_of(SnapshotMeta),
)
def list_snapshots(query: SnapshotListQuery) -> Response:
    return jsonify(snapshots.list_snapshots(db(), current_principal(), query))


@bp.get("/reports/snapshots/<uuid:snapshot_id>")
@endpoint(
    "A frozen report and how today's figures differ from it", tags=TAGS, response=SnapshotView
)
def get_snapshot(snapshot_id: uuid.UUID) -> Response:
    return jsonify(snapshots.get_snapshot(db(), current_principal(), snapshot_id, threshold()))


add_audit_route(
    bp,
    AuditEntry,
    summary="My organization's report log: target changes, snapshots, exports (org admin)",
    export_name="report-audit.csv",
)
