"""Administration: consortia (platform admin), member organizations (consortium admins)
and the people of an organization (its admins)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from common.permissions import Perm, Role
from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.ui import form_errors, problem_message
from gateway.views import NavItem

bp = Blueprint("admin", __name__, url_prefix="/admin")

ORG_KINDS = [
    ("family_association", _l("Family association")),
    ("npo", _l("NPO")),
    ("support_station", _l("Support Station")),
    ("prefectural_center", _l("Prefectural hikikomori center")),
    ("municipality", _l("Municipality")),
    ("other", _l("Other")),
]
SECTORS = [("private", _l("Private")), ("public", _l("Public"))]
ROLES = [
    ("org_admin", _l("Organization admin")),
    ("staff", _l("Staff")),
    ("volunteer", _l("Volunteer")),
    ("viewer", _l("Viewer")),
    ("consortium_admin", _l("Consortium admin")),
]


def _my_org_visible() -> bool:
    return bool(current_user.principal.org_id) and current_user.can(Perm.ORG_USERS_MANAGE)


NAV = [
    NavItem(_l("Consortia"), "admin.consortia", permission=Perm.PLATFORM_MANAGE, order=70),
    NavItem(
        _l("Members"),
        "admin.organizations",
        permission=Perm.CONSORTIUM_ORGS_MANAGE,
        order=71,
        visible=lambda: not current_user.can(Perm.PLATFORM_MANAGE),
    ),
    NavItem(_l("My organization"), "admin.my_org", order=72, visible=_my_org_visible),
]


def _form(fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: request.form.get(f, "").strip() for f in fields}


def _org_body(form: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {k: v for k, v in form.items() if v != ""}
    body["mfa_required"] = request.form.get("mfa_required") == "on"
    return body


# --- consortia -------------------------------------------------------------------------


@bp.route("/consortia", methods=["GET", "POST"])
@login_required
def consortia() -> Any:
    if not current_user.can(Perm.PLATFORM_MANAGE):
        raise ApiError(403, code="forbidden")
    errors: dict[str, str] = {}
    form = {"name": "", "prefecture": ""}
    if request.method == "POST":
        form = _form(("name", "prefecture"))
        try:
            created = api.post(
                "/consortia", dict(form, mfa_required=request.form.get("mfa_required") == "on")
            )
        except ApiError as error:
            if error.status != 422:
                raise
            errors = form_errors(error)
        else:
            flash(_l("The consortium has been created."), "success")
            return redirect(url_for("admin.consortium", consortium_id=created["id"]))
    page = api.get("/consortia", limit=200)
    return render_template(
        "admin/consortia.html", consortia=page["items"], form=form, errors=errors
    ), (422 if errors else 200)


@bp.route("/consortia/<uuid:consortium_id>", methods=["GET", "POST"])
@login_required
def consortium(consortium_id: uuid.UUID) -> Any:
    if request.method == "POST":
        body: dict[str, Any] = {"mfa_required": request.form.get("mfa_required") == "on"}
        if request.form.get("name", "").strip():
            body["name"] = request.form["name"].strip()
        try:
            api.patch(f"/consortia/{consortium_id}", body)
            flash(_l("Saved."), "success")
        except ApiError as error:
            if error.status != 422:
                raise
            for message in form_errors(error).values():
                flash(message, "error")
        return redirect(url_for("admin.consortium", consortium_id=consortium_id))
    return _organizations_page(consortium_id)


# --- organizations ---------------------------------------------------------------------


def _organizations_page(
    consortium_id: uuid.UUID | str | None,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Any:
    consortium_row = api.get(f"/consortia/{consortium_id}") if consortium_id else None
    params: dict[str, Any] = {"limit": 200}
    if consortium_id:
        params["consortium_id"] = str(consortium_id)
    orgs = api.get("/organizations", **params)["items"]
    return render_template(
        "admin/organizations.html",
        consortium=consortium_row,
        orgs=orgs,
        form=form or {},
        errors=errors or {},
        kinds=ORG_KINDS,
        sectors=SECTORS,
    ), (422 if errors else 200)


@bp.route("/organizations", methods=["GET", "POST"])
@login_required
def organizations() -> Any:
    if not current_user.can(Perm.CONSORTIUM_ORGS_MANAGE):
        raise ApiError(403, code="forbidden")
    consortium_id = request.values.get("consortium_id") or current_user.principal.consortium_id
    if request.method == "POST":
        form = _form(("name", "kind", "sector", "address", "representative"))
        body = _org_body(form) | {"consortium_id": str(consortium_id)}
        try:
            created = api.post("/organizations", body)
        except ApiError as error:
            if error.status != 422:
                raise
            return _organizations_page(consortium_id, form=form, errors=form_errors(error))
        flash(_l("The organization has been registered. Invite its first admin below."), "success")
        return redirect(url_for("admin.organization", org_id=created["id"]))
    return _organizations_page(consortium_id)


@bp.get("/my-organization")
@login_required
def my_org() -> Response:
    if not current_user.principal.org_id:
        raise ApiError(404, code="not_found")
    return redirect(url_for("admin.organization", org_id=current_user.principal.org_id))


def _org_page(
    org_id: uuid.UUID,
    *,
    invitation: dict[str, Any] | None = None,
    invite_form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Any:
    org = api.get(f"/organizations/{org_id}")
    users = api.get(f"/organizations/{org_id}/users", limit=200)["items"]
    administers = current_user.can(Perm.CONSORTIUM_ORGS_MANAGE)
    grantable = [r for r in ROLES if r[0] != Role.CONSORTIUM_ADMIN or administers]
    return render_template(
        "admin/organization.html",
        org=org,
        users=users,
        invitation=invitation,
        invite_form=invite_form or {},
        errors=errors or {},
        kinds=ORG_KINDS,
        sectors=SECTORS,
        roles=grantable,
        role_labels=dict(ROLES),
        administers=administers,
    ), status


@bp.route("/organizations/<uuid:org_id>", methods=["GET", "POST"])
@login_required
def organization(org_id: uuid.UUID) -> Any:
    if request.method == "POST":
        fields: tuple[str, ...] = ("address", "representative")
        if current_user.can(Perm.CONSORTIUM_ORGS_MANAGE):
            fields = ("name", "kind", "sector", *fields)
        form = _form(fields)
        body: dict[str, Any] = {
            k: v for k, v in form.items() if v or k in ("address", "representative")
        }
        body["mfa_required"] = request.form.get("mfa_required") == "on"
        try:
            api.patch(f"/organizations/{org_id}", body)
        except ApiError as error:
            if error.status != 422:
                raise
            return _org_page(org_id, errors=form_errors(error), status=422)
        flash(_l("Saved."), "success")
        return redirect(url_for("admin.organization", org_id=org_id))
    return _org_page(org_id)


@bp.post("/organizations/<uuid:org_id>/<any(suspend, reinstate):action>")
@login_required
def change_status(org_id: uuid.UUID, action: str) -> Response:
    reason = request.form.get("reason", "").strip()
    try:
        api.post(f"/organizations/{org_id}/{action}", {"reason": reason})
    except ApiError as error:
        if error.status not in (409, 422):
            raise
        flash(_l("Give a reason.") if error.status == 422 else problem_message(error), "error")
    else:
        flash(
            _l("The organization is suspended.")
            if action == "suspend"
            else _l("The organization is active again."),
            "success",
        )
    return redirect(url_for("admin.organization", org_id=org_id))


@bp.post("/organizations/<uuid:org_id>/users")
@login_required
def invite(org_id: uuid.UUID) -> Any:
    form = _form(("email", "name", "role"))
    try:
        created = api.post(f"/organizations/{org_id}/users", form)
    except ApiError as error:
        if error.status not in (409, 422):
            raise
        errors = form_errors(error) or {"email": problem_message(error)}
        return _org_page(org_id, invite_form=form, errors=errors, status=422)
    flash(
        _l("The invitation is ready. Send the link to the person; it works once, for 7 days."),
        "success",
    )
    return _org_page(org_id, invitation=created, status=201)


@bp.post("/users/<uuid:user_id>")
@login_required
def update_user(user_id: uuid.UUID) -> Response:
    org_id = api.get(f"/users/{user_id}")["org_id"]
    body: dict[str, Any] = {}
    if request.form.get("role"):
        body["role"] = request.form["role"]
    if request.form.get("active") in ("true", "false"):
        body["active"] = request.form["active"] == "true"
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
        if error.status != 409:
            raise
        flash(problem_message(error), "error")
        return redirect(url_for("admin.organization", org_id=org_id))
    return _org_page(org_id, invitation=user | created, status=201)
