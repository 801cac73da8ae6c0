"""Exporting the KPI table (CSV, XLSX): each export leaves an audit entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from common.errors import NotFound
from common.principal import Principal
from services.reports import exports as render
from services.reports import queries
from services.reports.operations.common import audit, shown
from services.reports.operations.reports import ladder_report, scope_of
from services.reports.operations.snapshots import visible_snapshot
from services.reports.schemas import ExportQuery, ReportQuery

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    filename: str
    mimetype: str


def export_kpi(
    session: Session, principal: Principal, query: ExportQuery, fmt: str, threshold: int
) -> ExportFile:
    scope = scope_of(principal, query)
    report: dict[str, Any]
    if query.snapshot_id is not None:
        snapshot, snapshot_scope = visible_snapshot(session, principal, query.snapshot_id)
        if snapshot_scope != scope or snapshot.fiscal_year != query.fiscal_year:
            raise NotFound("No such snapshot for this scope and year")
        report = queries.snapshot_content(snapshot) | {
            "frozen": {"version": snapshot.version, "frozen_at": snapshot.frozen_at.isoformat()}
        }
    else:
        report = queries.raw_kpi_report(session, scope, query.fiscal_year)
    report = shown(report, scope, threshold)
    lang = query.lang.value
    if fmt == "csv":
        content, mimetype = render.kpi_csv(report, lang), "text/csv; charset=utf-8"
    else:
        content, mimetype = render.kpi_xlsx(report, lang), XLSX_MIME
    audit(
        session,
        principal,
        "report.export",
        "report",
        scope.id,
        details={
            "format": fmt,
            "scope": scope.kind.value,
            "fiscal_year": query.fiscal_year,
            "snapshot_id": str(query.snapshot_id) if query.snapshot_id else None,
        },
    )
    session.commit()
    suffix = f"_v{report['frozen']['version']}" if "frozen" in report else ""
    filename = f"kpi_{scope.kind.value}_{query.fiscal_year}{suffix}.{fmt}"
    return ExportFile(content, filename, mimetype)


def export_ladder(
    session: Session, principal: Principal, query: ReportQuery, fmt: str, threshold: int
) -> ExportFile:
    """The ladder of a year as a file, as the scope may see it (small cells hidden in a
    consortium view)."""
    report = ladder_report(session, principal, query, threshold)
    lang = query.lang.value
    if fmt == "csv":
        content, mimetype = render.ladder_csv(report, lang), "text/csv; charset=utf-8"
    else:
        content, mimetype = render.ladder_xlsx(report, lang), XLSX_MIME
    audit(
        session,
        principal,
        "report.export",
        "ladder",
        report["scope_id"],
        details={"format": fmt, "scope": report["scope"], "fiscal_year": query.fiscal_year},
    )
    session.commit()
    return ExportFile(content, f"ladder_{report['scope']}_{query.fiscal_year}.{fmt}", mimetype)
