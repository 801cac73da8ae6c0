"""The provision ledger (第三者提供記録簿, APPI arts. 29/30): every provision to another
member and every receipt from one, by period and direction, every page, and its export."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request
from flask_login import login_required

from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.views.referrals import bp, referral_form
from gateway.views.referrals.labels import DIRECTIONS, LABELS


def _filters() -> Any:
    form = referral_form("ledger", ("from", "to", "direction"), prefix="f").read(request.args)
    if form.get("direction") not in DIRECTIONS:
        form.values["direction"] = ""
    return form


@bp.get("/ledger")
@login_required
def ledger() -> Any:
    form = _filters()
    params = form.text("from", "to", "direction") | {"limit": 100}
    if request.args.get("cursor"):
        params["cursor"] = request.args["cursor"]
    page = form.submit(lambda: api.get("/reports/provision-ledger", **params)) or {
        "items": [],
        "next_cursor": None,
    }
    return render_template(
        "referrals/ledger.html", page=page, form=form, labels=LABELS
    ), form.status


@bp.get("/ledger/export.<fmt>")
@login_required
def ledger_export(fmt: str) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise ApiError(404, code="not_found")
    params = _filters().text("from", "to", "direction") | {"format": fmt}
    answer = api.call_raw("GET", "/reports/provision-ledger", params=params)
    response = Response(answer.body, mimetype=answer.header("Content-Type") or "")
    disposition = answer.header("Content-Disposition")
    if disposition:
        response.headers["Content-Disposition"] = disposition
    return response
