"""The KPI report of a fiscal year: targets and actuals in the programme's layout, charts
with tables, the funnel, the referral flow, figures by month, exports and snapshots."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import login_required

from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.i18n import locale
from gateway.views.reports import bp, kpi_label, manages, scopes, selection, years
from gateway.views.reports.allowances import accountable_scopes
from gateway.views.reports.charts import hbar_chart, target_charts


def _optional(path: str, **query: Any) -> Any:
    """A secondary panel that fails shows as missing, not as an error page."""
    try:
        return api.get(path, **query)
    except ApiError:
        return None


@bp.get("/")
@login_required
def index() -> str:
    if not scopes():
        raise ApiError(403, code="forbidden")
    year, scope = selection()
    query = {"fiscal_year": year, "scope": scope}
    report = api.get("/reports/kpi", **query)
    funnel = _optional("/reports/funnel", **query)
    ladder = _optional("/reports/ladder", **query)
    flow = _optional("/reports/referral-flow", **query)
    monthly = _optional("/reports/monthly", **query)
    snapshots = _optional("/reports/snapshots", **query)
    funnel_chart = (
        hbar_chart([(kpi_label(s), s["persons"]) for s in funnel["stages"]]) if funnel else None
    )
    ladder_chart = (
        hbar_chart([(kpi_label(r), r["persons"]) for r in ladder["rungs"]]) if ladder else None
    )
    flow_chart = None
    if flow and flow["edges"]:
        flow_chart = hbar_chart(
            [
                (f"{e['from_org_name'] or '—'} → {e['to_org_name'] or '—'}", e["sent"])
                for e in flow["edges"]
            ],
            label_w=230,
        )
    return render_template(
        "reports/index.html",
        year=year,
        scope=scope,
        years=years(),
        scopes=scopes(),
        report=report,
        charts=target_charts(report),
        funnel=funnel,
        funnel_chart=funnel_chart,
        ladder=ladder,
        ladder_chart=ladder_chart,
        flow=flow,
        flow_chart=flow_chart,
        monthly=monthly,
        snapshots=(snapshots or {}).get("items", []),
        manages=manages(scope),
        ledger_readable=bool(accountable_scopes()),
        export_query=f"fiscal_year={year}&scope={scope}&lang={locale()}",
        label=kpi_label,
    )
