"""The notices of referrals: what arrived, changed or waits, newest first, every page."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from werkzeug.wrappers import Response

from gateway import apiclient as api
from gateway.views.referrals import bp
from gateway.views.referrals.labels import LABELS


@bp.get("/notifications")
@login_required
def notifications() -> str:
    unread_only = request.args.get("unread") == "true"
    params: dict[str, Any] = {"limit": 50}
    if unread_only:
        params["unread"] = "true"
    if request.args.get("cursor"):
        params["cursor"] = request.args["cursor"]
    page = api.get("/notifications", **params)
    counts = api.get("/notifications/unread-count")
    return render_template(
        "referrals/notifications.html",
        page=page,
        counts=counts,
        unread_only=unread_only,
        labels=LABELS,
    )


@bp.post("/notifications/<uuid:notification_id>/open")
@login_required
def open_notification(notification_id: uuid.UUID) -> Response:
    api.post(f"/notifications/{notification_id}/read")
    referral_id = request.form.get("referral_id")
    if request.form.get("box") == "oversight":
        return redirect(url_for("referrals.oversight"))
    if referral_id:
        try:
            uuid.UUID(referral_id)
        except ValueError:
            return redirect(url_for("referrals.notifications"))
        return redirect(url_for("referrals.detail", referral_id=referral_id))
    return redirect(url_for("referrals.notifications"))


@bp.post("/notifications/read-all")
@login_required
def read_all() -> Response:
    api.post("/notifications/read-all", {})
    flash(_l("All notices are marked as read."), "success")
    return redirect(url_for("referrals.notifications"))
