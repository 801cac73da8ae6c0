"""The people of an organization: inviting one, changing a role, deactivating (after a
confirmation) or reactivating, and a new invitation link."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.forms import Confirmation, Form, confirmed
from gateway.messages import problem_message
from gateway.views.admin import bp
from gateway.views.admin.labels import FIELDS
from gateway.views.admin.organizations import invite_form, org_page
from gateway.vocabulary import ROLES, label


@bp.post("/organizations/<uuid:org_id>/users")
@login_required
def invite(org_id: uuid.UUID) -> Any:
    form = invite_form(True).read()
    created = form.submit(
        lambda: api.post(f"/organizations/{org_id}/users", form.text("email", "name", "role")),
        refusable=(403, 409, 422),
    )
    if form.failed:
        return org_page(org_id, invite=form)
    if created["invitation"].get("url"):
        flash(
            _l(
                "The invitation has been e-mailed. You can also hand the link below to the "
                "person; it works once, for 7 days."
            ),
            "success",
        )
    else:
        flash(_l("The invitation has been e-mailed to the person."), "success")
    return org_page(org_id, invitation=created, status=201)


@bp.post("/users/<uuid:user_id>")
@login_required
def update_user(user_id: uuid.UUID) -> Any:
    user = api.get(f"/users/{user_id}")
    org_id = user["org_id"]
    body: dict[str, Any] = {}
    if request.form.get("role"):
        body["role"] = request.form["role"]
    if request.form.get("active") in ("true", "false"):
        body["active"] = request.form["active"] == "true"
    if request.form.get("receives_referrals") in ("true", "false"):
        # A volunteer the org admin names answers the org's referrals (family associations).
        body["receives_referrals"] = request.form["receives_referrals"] == "true"
    if body.get("active") is False and not confirmed():
        return Confirmation(
            title=_l("Deactivate %(name)s?", name=user.get("name") or user.get("email")),
            lead=_l(
                "They are signed out at once and can no longer sign in. Their records stay. "
                "You can reactivate them later."
            ),
            facts=[
                (FIELDS["email"], user.get("email")),
                (FIELDS["role"], label(ROLES, user.get("role"))),
            ],
            action=url_for("admin.update_user", user_id=user_id),
            button=_l("Deactivate"),
            cancel=url_for("admin.organization", org_id=org_id),
            form=Form("deactivate"),
            hidden=[("active", "false")],
        ).render()
    try:
        api.patch(f"/users/{user_id}", body)
    except ApiError as error:
        if error.status not in (403, 409, 422):
            raise
        flash(problem_message(error), "error")
    else:
        flash(_l("Saved."), "success")
    return redirect(url_for("admin.organization", org_id=org_id))


@bp.post("/users/<uuid:user_id>/invitation")
@login_required
def reinvite(user_id: uuid.UUID) -> Any:
    user = api.get(f"/users/{user_id}")
    org_id = uuid.UUID(user["org_id"])
    try:
        created = api.post(f"/users/{user_id}/invitation")
    except ApiError as error:
        if error.status not in (403, 409):
            raise
        flash(problem_message(error), "error")
        return redirect(url_for("admin.organization", org_id=org_id))
    return org_page(org_id, invitation=user | created, status=201)
