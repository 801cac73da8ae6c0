"""Frozen reports: freezing a fiscal year's report as a versioned snapshot (what was
submitted to the prefecture) and reading one with its differences from today's figures."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from werkzeug.wrappers import Response

from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.messages import problem_message
from gateway.views.reports import bp, kpi_label, selection


@bp.post("/snapshots")
@login_required
def freeze() -> Response:
    year, scope = selection()
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
    return render_template(
        "reports/snapshot.html", snap=data, report=data["report"], label=kpi_label
    )
