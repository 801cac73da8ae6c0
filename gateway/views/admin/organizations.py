"""Member organizations: the consortium's members (registering one), one organization's
page with its people and details, and suspending or reinstating a member."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from common.permissions import Perm, Role
from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.forms import Confirmation, Form, Input, confirmed
from gateway.views.admin import bp
from gateway.views.admin.labels import FIELDS
from gateway.vocabulary import ORG_KINDS, ORG_STATUS, ROLES, SECTORS, USER_STATUS

ORG_FIELDS = ("name", "kind", "sector", "address", "representative", "mfa_required")


def register_form() -> Form:
    return Form("register", {"sector": "private"}, fields=ORG_FIELDS, prefix="reg", labels=FIELDS)


def organizations_page(
    consortium_id: uuid.UUID | str | None,
    *,
    register: Form | None = None,
    settings: Form | None = None,
) -> tuple[str, int]:
    consortium = api.get(f"/consortia/{consortium_id}") if consortium_id else None
    params: dict[str, Any] = {"limit": 200}
    if consortium_id:
        params["consortium_id"] = str(consortium_id)
    orgs = api.get("/organizations", **params)["items"]
    if settings is None:
        settings = Form("settings", fields=("name", "mfa_required"), prefix="cs", labels=FIELDS)
        if consortium:
            settings.values = {
                "name": consortium["name"],
                "mfa_required": "on" if consortium.get("mfa_required") else "",
            }
    register = register or register_form()
    page = render_template(
        "admin/organizations.html",
        consortium=consortium,
        orgs=orgs,
        register=register,
        settings=settings,
        kinds=ORG_KINDS,
        sectors=SECTORS,
        org_status=ORG_STATUS,
    )
    return page, 422 if register.failed or settings.failed else 200


@bp.route("/organizations", methods=["GET", "POST"])
@login_required
def organizations() -> Any:
    if not current_user.can(Perm.CONSORTIUM_ORGS_MANAGE):
        raise ApiError(403, code="forbidden")
    consortium_id = request.values.get("consortium_id") or current_user.principal.consortium_id
    if request.method == "POST":
        form = register_form().read()
        body = form.text("name", "kind", "sector", "address", "representative")
        body |= {"mfa_required": form.checked("mfa_required"), "consortium_id": str(consortium_id)}
        created = form.submit(lambda: api.post("/organizations", body))
        if form.failed:
            return organizations_page(consortium_id, register=form)
        flash(_l("The organization has been registered. Invite its first admin below."), "success")
        return redirect(url_for("admin.organization", org_id=created["id"]))
    return organizations_page(consortium_id)


@bp.get("/my-organization")
@login_required
def my_org() -> Response:
    if not current_user.principal.org_id:
        raise ApiError(404, code="not_found")
    return redirect(url_for("admin.organization", org_id=current_user.principal.org_id))


def invite_form(has_people: bool) -> Form:
    return Form(
        "invite",
        {"role": "staff" if has_people else "org_admin"},
        fields=("name", "email", "role"),
        prefix="invite",
        labels=FIELDS,
    )


def details_form(org: dict[str, Any]) -> Form:
    values: dict[str, Any] = {k: org.get(k) or "" for k in ORG_FIELDS} | {
        "mfa_required": "on" if org.get("mfa_required") else ""
    }
    return Form("details", values, fields=ORG_FIELDS, prefix="org", labels=FIELDS)


def org_page(
    org_id: uuid.UUID,
    *,
    invitation: dict[str, Any] | None = None,
    invite: Form | None = None,
    details: Form | None = None,
    status_form: Form | None = None,
    status: int | None = None,
) -> tuple[str, int]:
    org = api.get(f"/organizations/{org_id}")
    users = api.get(f"/organizations/{org_id}/users", limit=200)["items"]
    administers = current_user.can(Perm.CONSORTIUM_ORGS_MANAGE)
    grantable = {k: v for k, v in ROLES.items() if k != "platform_admin"}
    if not administers:
        grantable.pop(Role.CONSORTIUM_ADMIN, None)
    forms = {
        "invite": invite or invite_form(bool(users)),
        "details": details or details_form(org),
        "status": status_form or Form("status", fields=("reason",), prefix="status"),
    }
    failed = any(f.failed for f in forms.values())
    page = render_template(
        "admin/organization.html",
        org=org,
        users=users,
        invitation=invitation,
        forms=forms,
        kinds=ORG_KINDS,
        sectors=SECTORS,
        roles=grantable,
        role_labels=ROLES,
        user_status=USER_STATUS,
        org_status=ORG_STATUS,
        administers=administers,
    )
    return page, status or (422 if failed else 200)


@bp.route("/organizations/<uuid:org_id>", methods=["GET", "POST"])
@login_required
def organization(org_id: uuid.UUID) -> Any:
    if request.method == "POST":
        form = Form("details", fields=ORG_FIELDS, prefix="org", labels=FIELDS).read()
        editable = ["address", "representative"]
        if current_user.can(Perm.CONSORTIUM_ORGS_MANAGE):
            editable = ["name", "kind", "sector", *editable]
        body: dict[str, Any] = {
            k: form.get(k)
            for k in editable
            if form.get(k)
            or k
            in (
                "address",
                "representative",
            )
        }
        body["mfa_required"] = form.checked("mfa_required")
        form.submit(lambda: api.patch(f"/organizations/{org_id}", body))
        if form.failed:
            return org_page(org_id, details=form)
        flash(_l("Saved."), "success")
        return redirect(url_for("admin.organization", org_id=org_id))
    return org_page(org_id)


@bp.post("/organizations/<uuid:org_id>/<any(suspend, reinstate):action>")
@login_required
def change_status(org_id: uuid.UUID, action: str) -> Any:
    form = Form("status", fields=("reason",), prefix="status", labels=FIELDS).read()
    if not form.get("reason"):
        form.error("reason", _l("Give a reason."))
    if action == "suspend" and (form.failed or not confirmed()):
        org = api.get(f"/organizations/{org_id}")
        return Confirmation(
            title=_l("Suspend %(org)s?", org=org["name"]),
            lead=_l(
                "Its people are signed out at once and cannot sign in; referrals cannot be "
                "sent to it; its data is kept."
            ),
            action=url_for("admin.change_status", org_id=org_id, action=action),
            button=_l("Suspend"),
            cancel=url_for("admin.organization", org_id=org_id),
            form=form,
            inputs=[Input("reason", _l("Reason"), kind="text")],
        ).render()
    if not form.failed:
        form.submit(
            lambda: api.post(f"/organizations/{org_id}/{action}", {"reason": form.get("reason")}),
            refusable=(409, 422),
        )
    if form.failed:
        return org_page(org_id, status_form=form)
    flash(
        _l("The organization is suspended.")
        if action == "suspend"
        else _l("The organization is active again."),
        "success",
    )
    return redirect(url_for("admin.organization", org_id=org_id))
