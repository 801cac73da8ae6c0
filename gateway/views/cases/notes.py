"""A case's notes: general notes and sensitive ones (要配慮個人情報), shown only to roles
allowed to read them."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from gateway import apiclient as api
from gateway.views.cases import bp
from gateway.views.cases.common import OPTIONS, case_form


@bp.route("/<uuid:case_id>/notes", methods=["GET", "POST"])
@login_required
def notes(case_id: uuid.UUID) -> Any:
    form = case_form("note", {"category": "general"})
    if request.method == "POST":
        form.read()
        form.submit(lambda: api.post(f"/cases/{case_id}/notes", form.text("category", "body")))
        if not form.failed:
            flash(_l("The note is saved."), "success")
            return redirect(url_for("cases.notes", case_id=case_id))
    case = api.get(f"/cases/{case_id}")
    items = api.get(f"/cases/{case_id}/notes")["items"]
    return render_template(
        "cases/notes.html", case=case, notes=items, form=form, **OPTIONS
    ), form.status
