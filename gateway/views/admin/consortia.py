"""Consortia (platform admin): the list, creating one, and one consortium's settings and
member organizations."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from common.permissions import Perm
from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.forms import Form
from gateway.views.admin import bp
from gateway.views.admin.labels import FIELDS
from gateway.views.admin.organizations import organizations_page


def consortium_form() -> Form:
    return Form(
        "consortium", fields=("name", "prefecture", "mfa_required"), prefix="f", labels=FIELDS
    )


@bp.route("/consortia", methods=["GET", "POST"])
@login_required
def consortia() -> Any:
    if not current_user.can(Perm.PLATFORM_MANAGE):
        raise ApiError(403, code="forbidden")
    form = consortium_form()
    if request.method == "POST":
        form.read()
        body = form.text("name", "prefecture") | {"mfa_required": form.checked("mfa_required")}
        created = form.submit(lambda: api.post("/consortia", body))
        if not form.failed:
            flash(_l("The consortium has been created."), "success")
            return redirect(url_for("admin.consortium", consortium_id=created["id"]))
    page = api.get("/consortia", limit=200)
    return render_template("admin/consortia.html", consortia=page["items"], form=form), form.status


@bp.route("/consortia/<uuid:consortium_id>", methods=["GET", "POST"])
@login_required
def consortium(consortium_id: uuid.UUID) -> Any:
    settings = None
    if request.method == "POST":
        settings = Form("settings", fields=("name", "mfa_required"), prefix="cs", labels=FIELDS)
        settings.read()
        body = settings.text("name") | {"mfa_required": settings.checked("mfa_required")}
        settings.submit(lambda: api.patch(f"/consortia/{consortium_id}", body))
        if not settings.failed:
            flash(_l("Saved."), "success")
            return redirect(url_for("admin.consortium", consortium_id=consortium_id))
    return organizations_page(consortium_id, settings=settings)
