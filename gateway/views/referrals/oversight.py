"""The prefectural center's oversight: declines waiting for its confirmation, and referrals
left unanswered or expired across the consortium — who referred to whom and when, never the
person or the packet."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_login import login_required

from gateway import apiclient as api
from gateway.views.referrals import bp
from gateway.views.referrals.labels import LABELS, OVERSIGHT_FILTERS


@bp.get("/oversight")
@login_required
def oversight() -> str:
    chosen = request.args.get("filter") or None
    params: dict[str, Any] = {"limit": 50}
    if chosen in OVERSIGHT_FILTERS:
        params["filter"] = chosen
    else:
        chosen = None
    if request.args.get("cursor"):
        params["cursor"] = request.args["cursor"]
    page = api.get("/referrals/oversight", **params)
    return render_template(
        "referrals/oversight.html",
        page=page,
        chosen=chosen,
        filters=OVERSIGHT_FILTERS,
        labels=LABELS,
    )
