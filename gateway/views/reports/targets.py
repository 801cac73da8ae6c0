"""The targets editor: a KPI's target for every fiscal year of the plan period, and the
plan period itself (org admins for their organization, consortium admins for the whole)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from common.fiscal import fiscal_year_label
from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.forms import Form
from gateway.i18n import locale
from gateway.views.reports import bp, kpi_label, manages, selection

MAX_TARGET = 10_000_000


def cell(kpi: str, year: int) -> str:
    return f"t-{kpi}-{year}"


def targets_form(view: dict[str, Any]) -> Form:
    years = [y["fiscal_year"] for y in view["years"]]
    labels: dict[str, Any] = {"plan_start": _l("First fiscal year"), "plan_years": _l("Years")}
    for k in view["kpis"]:
        for y in years:
            labels[cell(k["kpi"], y)] = f"{kpi_label(k)} {fiscal_year_label(y, locale())}"
    form = Form(
        "targets",
        fields=list(labels),
        prefix="f",
        labels=labels,
        aliases={"plan.start_fiscal_year": "plan_start", "plan.years": "plan_years"},
    )
    form.values = {
        cell(code, y["fiscal_year"]): "" if y["targets"][code] is None else y["targets"][code]
        for y in view["years"]
        for code in [k["kpi"] for k in view["kpis"]]
    } | {"plan_start": view["plan"]["start_fiscal_year"], "plan_years": view["plan"]["years"]}
    return form


def parsed_targets(form: Form, view: dict[str, Any]) -> dict[int, dict[str, int | None]]:
    """Each year's targets; a cell that is not a whole number of 0 or more is an error."""
    targets: dict[int, dict[str, int | None]] = {}
    for y in view["years"]:
        year = y["fiscal_year"]
        targets[year] = {}
        for k in view["kpis"]:
            name = cell(k["kpi"], year)
            value = form.number(name)
            if value is None:
                targets[year][k["kpi"]] = None
            elif not isinstance(value, int) or value < 0:
                form.error(name, _l("Enter a whole number of 0 or more."))
            elif value > MAX_TARGET:
                form.error(name, _l("The value is too large."))
            else:
                targets[year][k["kpi"]] = value
    return targets


@bp.route("/targets", methods=["GET", "POST"])
@login_required
def targets() -> Any:
    year, scope = selection()
    if not manages(scope):
        raise ApiError(403, code="forbidden")
    view = api.get("/reports/targets", fiscal_year=year, scope=scope)
    form = targets_form(view)
    if request.method == "POST":
        form.read()
        parsed = parsed_targets(form, view)
        start, span = form.number("plan_start"), form.number("plan_years")
        for name, value in (("plan_start", start), ("plan_years", span)):
            if not isinstance(value, int):
                form.error(name, _l("Enter a whole number."))
        plan = {"start_fiscal_year": start, "years": span}

        def save() -> None:
            for i, y in enumerate(parsed):
                body: dict[str, Any] = {"fiscal_year": y, "scope": scope, "targets": parsed[y]}
                if i == 0:
                    body["plan"] = plan
                api.put("/reports/targets", body)

        form.submit(save)
        if not form.failed:
            flash(_l("Targets saved."), "success")
            first = start if isinstance(start, int) else year
            return redirect(url_for("reports.index", fiscal_year=max(year, first), scope=scope))
    return render_template(
        "reports/targets.html", year=year, scope=scope, view=view, form=form, label=kpi_label
    ), form.status
