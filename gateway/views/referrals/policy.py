"""The consortium's referral policy: the two-person rule for declines and the deadlines.
Every member reads it; the consortium admin changes it."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from gateway import apiclient as api
from gateway.views.referrals import bp, referral_form

DAYS = ("default_respond_days", "urgent_respond_days", "unanswered_days", "urgent_unanswered_days")


@bp.route("/policy", methods=["GET", "POST"])
@login_required
def policy() -> Any:
    current = api.get("/referral-policy")
    form = referral_form("policy", ("decline_requires_center_confirmation", *DAYS), prefix="f")
    form.values = {k: current.get(k) for k in DAYS} | {
        "decline_requires_center_confirmation": "on"
        if current.get("decline_requires_center_confirmation")
        else ""
    }
    if request.method == "POST":
        form.read()
        body: dict[str, Any] = {
            "decline_requires_center_confirmation": form.checked(
                "decline_requires_center_confirmation"
            )
        }
        body |= {name: form.number(name) for name in DAYS if form.get(name)}
        form.submit(lambda: api.put("/referral-policy", body))
        if not form.failed:
            flash(_l("The referral policy has been saved."), "success")
            return redirect(url_for("referrals.policy"))
    return render_template("referrals/policy.html", policy=current, form=form), form.status
