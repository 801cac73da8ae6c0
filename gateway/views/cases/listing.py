"""The case list (search by name or kana, filters by stage and staff, every page of it) and
opening a new case, with its first consultation."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from gateway import apiclient as api
from gateway.views.cases import bp
from gateway.views.cases.common import (
    OPTIONS,
    assignee_names,
    case_form,
    contact_body,
    now_local,
    person_body,
)

FILTERS = ("q", "stage", "assigned_to", "cursor")


@bp.get("/")
@login_required
def index() -> str:
    params = {k: v for k, v in request.args.items() if k in FILTERS and v}
    page = api.get("/cases", limit=50, **params)
    return render_template(
        "cases/index.html", page=page, args=params, assignees=assignee_names(), **OPTIONS
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    form = case_form(
        "new",
        {
            "occurred_at": now_local(),
            "with_contact": "yes",
            "gender": "unknown",
            "channel": "phone",
            "by": "family",
        },
    )
    if request.method == "POST":
        form.read()
        body: dict[str, Any] = {"person": person_body(form)}
        if form.get("with_contact") == "yes":
            body["first_contact"] = contact_body(form)
        created = form.submit(lambda: api.post("/cases", body))
        if not form.failed:
            flash(_l("The case has been opened."), "success")
            return redirect(url_for("cases.show", case_id=created["id"]))
    return render_template("cases/new.html", form=form, **OPTIONS), form.status
