"""The incoming and outgoing boxes, with filters by status, urgency and unread, and every
page of them."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_login import current_user, login_required

from common.permissions import Perm
from gateway import apiclient as api
from gateway.views.referrals import bp
from gateway.views.referrals.labels import LABELS


@bp.get("/")
@login_required
def index() -> Any:
    box = request.args.get("box", "incoming")
    if box not in ("incoming", "outgoing"):
        box = "incoming"
    filters = {
        "status": request.args.get("status") or None,
        "urgency": request.args.get("urgency") or None,
        "unread": "true" if request.args.get("unread") == "true" else None,
    }
    params = {k: v for k, v in filters.items() if v} | {"box": box, "limit": 50}
    if request.args.get("cursor"):
        params["cursor"] = request.args["cursor"]
    page = api.get("/referrals", **params)
    counts = api.get("/notifications/unread-count")
    return render_template(
        "referrals/index.html",
        box=box,
        page=page,
        counts=counts,
        filters=filters,
        labels=LABELS,
        may_refer=current_user.can(Perm.REFERRAL_SEND),
    )
