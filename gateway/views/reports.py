"""Reports: the KPI table against targets (the programme's layout), charts drawn as SVG on
the server with a table beside each, figures by month, exports, the targets editor and
frozen snapshots with their differences. Every figure comes from the reports service."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from common.clock import utcnow
from common.fiscal import fiscal_year_of
from common.permissions import Perm
from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.i18n import locale
from gateway.ui import form_errors, problem_message
from gateway.views import NavItem

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _reader() -> bool:
    return current_user.can(Perm.REPORT_ORG_READ) or current_user.can(Perm.REPORT_CONSORTIUM_READ)


NAV = [NavItem(_l("Reports"), "reports.index", order=40, visible=_reader)]

FIRST_YEAR = 2019
MAX_TARGET = 10_000_000
TARGET_FIELD = re.compile(r"^t-([a-z_]+)-(\d{4})$")


def _scopes() -> list[tuple[str, Any]]:
    scopes = []
    if current_user.can(Perm.REPORT_ORG_READ):
        scopes.append(("org", _l("Own organization")))
    if current_user.can(Perm.REPORT_CONSORTIUM_READ):
        scopes.append(("consortium", _l("Whole consortium")))
    return scopes


def _manages(scope: str) -> bool:
    return current_user.can(
        Perm.ORG_TARGETS_MANAGE if scope == "org" else Perm.CONSORTIUM_TARGETS_MANAGE
    )


def _selection() -> tuple[int, str]:
    """The fiscal year and scope asked for, falling back to this year and the first scope
    the person may read (a bad value shows the default rather than an error page)."""
    current = fiscal_year_of(utcnow())
    try:
        year = int(request.args.get("fiscal_year", current))
    except ValueError:
        year = current
    if not FIRST_YEAR <= year <= current + 5:
        year = current
    scopes = [code for code, _label in _scopes()]
    scope = request.args.get("scope", "")
    if scope not in scopes:
        scope = scopes[0] if scopes else "org"
    return year, scope


def _years() -> list[int]:
    return list(range(fiscal_year_of(utcnow()) + 1, FIRST_YEAR - 1, -1))


def _label(obj: dict[str, Any]) -> str:
    return str(obj.get("label_en") or obj["label"]) if locale() == "en" else str(obj["label"])


# --- charts: geometry here, drawing in templates/reports/charts.html ---------------------

CHART_WIDTH = 320
CHART_HEIGHT = 190
PLOT = {"left": 44, "right": 8, "top": 14, "bottom": 34}


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return float(step * 4)
    magnitude = 10 ** (len(str(int(value))) - 1)
    return float(-(-value // magnitude) * magnitude)


def bar_chart(categories: list[str], series: list[dict[str, Any]]) -> dict[str, Any]:
    """Grouped vertical bars: one group per category, one bar per series. A value that is
    None (no target, or a hidden small cell) draws no bar."""
    values = [v for s in series for v in s["values"] if isinstance(v, int | float)]
    top = _nice_max(max(values, default=0))
    plot_w = CHART_WIDTH - PLOT["left"] - PLOT["right"]
    plot_h = CHART_HEIGHT - PLOT["top"] - PLOT["bottom"]
    group_w = plot_w / max(1, len(categories))
    bar_w = min(28.0, group_w * 0.8 / max(1, len(series)))
    bars = []
    for c, category in enumerate(categories):
        start = PLOT["left"] + c * group_w + (group_w - bar_w * len(series)) / 2
        for s, one in enumerate(series):
            value = one["values"][c]
            if not isinstance(value, int | float):
                continue
            h = plot_h * value / top
            bars.append(
                {
                    "x": round(start + s * bar_w, 1),
                    "y": round(PLOT["top"] + plot_h - h, 1),
                    "w": round(bar_w - 2, 1),
                    "h": round(h, 1),
                    "series": s,
                    "value": value,
                    "category": category,
                }
            )
    ticks = [
        {"y": round(PLOT["top"] + plot_h - plot_h * i / 4, 1), "label": f"{top * i / 4:g}"}
        for i in range(5)
    ]
    labels = [
        {"x": round(PLOT["left"] + (c + 0.5) * group_w, 1), "text": category}
        for c, category in enumerate(categories)
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "plot": PLOT | {"width": plot_w, "height": plot_h},
        "bars": bars,
        "ticks": ticks,
        "labels": labels,
        "baseline": PLOT["top"] + plot_h,
    }


def hbar_chart(rows: list[tuple[str, Any]], width: int = 560, label_w: int = 150) -> dict[str, Any]:
    """Horizontal bars (the funnel, the referral flow): one row per (label, value)."""
    row_h = 30
    numbers = [v for _label, v in rows if isinstance(v, int | float)]
    top = max(numbers, default=0) or 1
    plot_w = width - label_w - 60
    bars = []
    for i, (label, value) in enumerate(rows):
        w = plot_w * value / top if isinstance(value, int | float) else 0
        bars.append(
            {
                "y": 6 + i * row_h,
                "label": label,
                "value": value,
                "w": round(w, 1),
                "text_x": round(label_w + w + 6, 1),
            }
        )
    return {"width": width, "height": 12 + row_h * len(rows), "label_w": label_w, "bars": bars}


def _target_charts(report: dict[str, Any]) -> list[dict[str, Any]]:
    charts = []
    for row in report["rows"]:
        categories = [
            y["label"] if locale() == "ja" else f"FY{y['fiscal_year']}" for y in row["years"]
        ]
        series = [
            {"name": str(_l("Target")), "values": [y["target"] for y in row["years"]]},
            {
                "name": str(_l("Actual")),
                "values": [
                    y["actual"] if isinstance(y["actual"], int) else None for y in row["years"]
                ],
            },
        ]
        charts.append(
            {"id": f"chart-{row['kpi']}", "title": _label(row), "row": row}
            | bar_chart(categories, series)
        )
    return charts


# --- pages -----------------------------------------------------------------------------


def _safe(call: Any, *args: Any, **kwargs: Any) -> Any:
    """A secondary panel that fails shows as missing, not as an error page."""
    try:
        return call(*args, **kwargs)
    except ApiError:
        return None


@bp.get("/")
@login_required
def index() -> str:
    if not _scopes():
        raise ApiError(403, code="forbidden")
    year, scope = _selection()
    query = {"fiscal_year": year, "scope": scope}
    report = api.get("/reports/kpi", **query)
    funnel = _safe(api.get, "/reports/funnel", **query)
    flow = _safe(api.get, "/reports/referral-flow", **query)
    monthly = _safe(api.get, "/reports/monthly", **query)
    snapshots = _safe(api.get, "/reports/snapshots", **query)
    funnel_chart = (
        hbar_chart([(_label(s), s["persons"]) for s in funnel["stages"]]) if funnel else None
    )
    flow_chart = None
    if flow and flow["edges"]:
        flow_chart = hbar_chart(
            [
                (f"{e['from_org_name'] or '?'} → {e['to_org_name'] or '?'}", e["sent"])
                for e in flow["edges"]
            ],
            label_w=230,
        )
    return render_template(
        "reports/index.html",
        year=year,
        scope=scope,
        years=_years(),
        scopes=_scopes(),
        report=report,
        charts=_target_charts(report),
        funnel=funnel,
        funnel_chart=funnel_chart,
        flow=flow,
        flow_chart=flow_chart,
        monthly=monthly,
        snapshots=(snapshots or {}).get("items", []),
        manages=_manages(scope),
        export_query=f"fiscal_year={year}&scope={scope}&lang={locale()}",
        label=_label,
    )


def _parse_targets(
    form: dict[str, str], kpis: list[str], years: list[int]
) -> tuple[dict[int, dict[str, int | None]], dict[str, str]]:
    targets: dict[int, dict[str, int | None]] = {y: {} for y in years}
    errors: dict[str, str] = {}
    for name, raw in form.items():
        match = TARGET_FIELD.match(name)
        if not match or match.group(1) not in kpis or int(match.group(2)) not in years:
            continue
        text = raw.strip().replace(",", "")
        if text == "":
            targets[int(match.group(2))][match.group(1)] = None
        elif not text.isdigit():
            errors[name] = str(_l("Enter a whole number of 0 or more."))
        elif int(text) > MAX_TARGET:
            errors[name] = str(_l("The value is too large."))
        else:
            targets[int(match.group(2))][match.group(1)] = int(text)
    return targets, errors


@bp.route("/targets", methods=["GET", "POST"])
@login_required
def targets() -> Any:
    year, scope = _selection()
    if not _manages(scope):
        raise ApiError(403, code="forbidden")
    view = api.get("/reports/targets", fiscal_year=year, scope=scope)
    years = [y["fiscal_year"] for y in view["years"]]
    kpis = [k["kpi"] for k in view["kpis"]]
    errors: dict[str, str] = {}
    values = {
        f"t-{code}-{y['fiscal_year']}": y["targets"][code] for y in view["years"] for code in kpis
    }
    plan = {"start": view["plan"]["start_fiscal_year"], "years": view["plan"]["years"]}
    if request.method == "POST":
        values = {k: v for k, v in request.form.items() if TARGET_FIELD.match(k)}
        parsed, errors = _parse_targets(dict(request.form), kpis, years)
        plan = {
            "start": request.form.get("plan_start", ""),
            "years": request.form.get("plan_years", ""),
        }
        try:
            plan_body = {"start_fiscal_year": int(plan["start"]), "years": int(plan["years"])}
        except ValueError:
            errors["plan_start"] = str(_l("Enter a whole number."))
            plan_body = None
        if errors:
            errors["form"] = str(_l("Some fields need attention."))
        else:
            try:
                for i, y in enumerate(years):
                    body: dict[str, Any] = {"fiscal_year": y, "scope": scope, "targets": parsed[y]}
                    if i == 0:
                        body["plan"] = plan_body
                    api.put("/reports/targets", body)
            except ApiError as error:
                if error.status != 422:
                    raise
                fields = form_errors(error)
                errors = {
                    ("plan_" + k.split(".")[-1].replace("start_fiscal_year", "start")): v
                    for k, v in fields.items()
                    if k.startswith("plan")
                }
                errors["form"] = problem_message(error)
            else:
                flash(_l("Targets saved."), "success")
                start = plan_body["start_fiscal_year"] if plan_body else year
                return redirect(url_for("reports.index", fiscal_year=max(year, start), scope=scope))
    return render_template(
        "reports/targets.html",
        year=year,
        scope=scope,
        view=view,
        values=values,
        plan=plan,
        errors=errors,
        label=_label,
    )


@bp.post("/snapshots")
@login_required
def freeze() -> Response:
    year, scope = _selection()
    try:
        snapshot = api.post(
            "/reports/snapshots",
            {
                "fiscal_year": year,
                "scope": scope,
                "note": request.form.get("note", "")[:500] or None,
            },
        )
    except ApiError as error:
        if error.status not in (403, 409, 422):
            raise
        flash(problem_message(error), "error")
        return redirect(url_for("reports.index", fiscal_year=year, scope=scope))
    flash(
        _l("The report is frozen as version %(version)s.", version=snapshot["version"]), "success"
    )
    return redirect(url_for("reports.snapshot", snapshot_id=snapshot["id"]))


@bp.get("/snapshots/<uuid:snapshot_id>")
@login_required
def snapshot(snapshot_id: Any) -> str:
    data = api.get(f"/reports/snapshots/{snapshot_id}")
    return render_template("reports/snapshot.html", snap=data, report=data["report"], label=_label)


def dashboard_cards() -> list[dict[str, Any]]:
    scopes = _scopes()
    if not scopes:
        return []
    scope = scopes[0][0]
    year = fiscal_year_of(utcnow())
    report = api.get("/reports/kpi", fiscal_year=year, scope=scope)
    row = report["rows"][0]
    target = row["target"]
    figure = f"{row['actual']}" + (f" / {target}" if target is not None else "")
    return [
        {
            "title": f"{_label(row)}（{_label(report)}）" if locale() == "ja" else _label(row),
            "figure": figure,
            "text": str(_l("Actual / target this fiscal year.")),
            "url": url_for("reports.index", fiscal_year=year, scope=scope),
            "link_text": str(_l("Open the reports")),
        }
    ]
