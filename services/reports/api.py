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
from services.reports.operations import exports, reports, snapshots, targets
from services.reports.operations.exports import XLSX_MIME
from services.reports.responses import (
    Chart,
    FunnelReport,
    KpiReport,
    MonthlyReport,
    ReferralFlowReport,
    SnapshotMeta,
    SnapshotView,
    Targets,
)
from services.reports.schemas import (
    ExportQuery,
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
    "Data for a chart and its table alternative: targets, funnel, referral-flow",
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
