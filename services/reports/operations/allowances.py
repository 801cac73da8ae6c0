"""The allowance (手当) ledger of a fiscal year: per person, per member and overall, on
screen and as CSV/XLSX (each export leaves an audit entry)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from common.fiscal import fiscal_year_label
from common.principal import Principal
from services.reports import exports as render
from services.reports import queries
from services.reports.domain.access import ScopeKind, accountable_scope
from services.reports.domain.allowances import ledger
from services.reports.operations.common import audit
from services.reports.operations.exports import XLSX_MIME, ExportFile
from services.reports.schemas import ReportQuery


def allowance_ledger(session: Session, principal: Principal, query: ReportQuery) -> dict[str, Any]:
    """Exact figures: an org accounts for its own payments, the consortium admin for every
    member's (the programme pays them; see docs/reports.md, "Member-level figures")."""
    scope = accountable_scope(principal, query.scope, query.requested)
    rows = queries.allowance_rows(session, scope, query.fiscal_year)
    names = {k: v[0] for k, v in queries.org_names(session, {r.org_id for r in rows}).items()}
    as_of = queries.last_event_at(session)
    return {
        "fiscal_year": query.fiscal_year,
        "label": fiscal_year_label(query.fiscal_year),
        "label_en": fiscal_year_label(query.fiscal_year, "en"),
        "scope": scope.kind.value,
        "scope_id": str(scope.id),
        "scope_name": queries.scope_name(session, scope),
        "as_of": as_of.isoformat() if as_of else None,
        "suppressed": False,
    } | ledger(rows, names)


def export_allowances(
    session: Session, principal: Principal, query: ReportQuery, fmt: str
) -> ExportFile:
    report = allowance_ledger(session, principal, query)
    lang = query.lang.value
    if fmt == "csv":
        content, mimetype = render.allowances_csv(report, lang), "text/csv; charset=utf-8"
    else:
        content, mimetype = render.allowances_xlsx(report, lang), XLSX_MIME
    audit(
        session,
        principal,
        "report.export",
        "allowance_ledger",
        report["scope_id"],
        details={"format": fmt, "scope": report["scope"], "fiscal_year": query.fiscal_year},
    )
    session.commit()
    kind = ScopeKind(report["scope"]).value
    return ExportFile(content, f"allowances_{kind}_{query.fiscal_year}.{fmt}", mimetype)
