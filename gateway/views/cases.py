"""Case records in the web UI: the list with search and filters, the case page (timeline,
stage ladder, consent ladder), quick entry of a consultation, consents, notes and the
spreadsheet import. Every rule lives in the cases service; this only asks and shows."""

from __future__ import annotations

import uuid
from contextlib import suppress
from datetime import datetime
from typing import Any
from urllib.parse import quote

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from common.clock import JST
from common.permissions import Perm
from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.ui import form_errors, problem_message
from gateway.views import NavItem
from gateway.views._cases_labels import (
    ACTIVITIES,
    CASE_PROBLEMS,
    CATEGORIES,
    CHANNELS,
    CLOSE_REASONS,
    FIELD_LABELS,
    FIELD_PROBLEMS,
    GENDERS,
    GIVERS,
    IMPORT_COLUMNS,
    IMPORT_ERRORS,
    LABELS,
    LADDER,
    METHODS,
    NOTE_CATEGORIES,
    OUTCOMES,
    PARTIES,
    PATHS,
    RELATIONSHIPS,
    STAGES,
)

bp = Blueprint("cases", __name__, url_prefix="/cases")

NAV = [
    NavItem(_l("Cases"), "cases.index", permission=Perm.CASE_READ, order=10),
    NavItem(_l("Import"), "cases.imports", permission=Perm.CASE_IMPORT, order=15),
]


def _options() -> dict[str, Any]:
    return {
        "stages": STAGES,
        "channels": CHANNELS,
        "parties": PARTIES,
        "relationships": RELATIONSHIPS,
        "genders": GENDERS,
        "activities": ACTIVITIES,
        "outcomes": OUTCOMES,
        "paths": PATHS,
        "categories": CATEGORIES,
        "methods": METHODS,
        "givers": GIVERS,
        "close_reasons": CLOSE_REASONS,
        "note_categories": NOTE_CATEGORIES,
        "ladder": LADDER,
        "labels": LABELS,
    }


def now_local() -> str:
    """The value of a datetime-local input for now, in JST."""
    return datetime.now(JST).strftime("%Y-%m-%dT%H:%M")


def _clean(fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: request.form.get(f, "").strip() for f in fields if request.form.get(f, "").strip()}


def _int_fields(body: dict[str, Any], *names: str) -> dict[str, Any]:
    """Numbers typed into a form; something unreadable is passed on as text, and the
    service answers with a field error for it."""
    for name in names:
        if name in body:
            with suppress(ValueError):
                body[name] = int(str(body[name]).replace(",", ""))
    return body


def _bool(name: str) -> bool | None:
    value = request.form.get(name)
    return {"yes": True, "no": False}.get(value or "")


def _assignee_names() -> dict[str, str]:
    try:
        return {p["id"]: p["name"] for p in api.get("/cases/assignees")["items"]}
    except ApiError:
        return {}


def _directory() -> dict[str, str]:
    try:
        return {o["id"]: o["name"] for o in api.get("/directory")["items"]}
    except ApiError:
        return {}


def _redirect_case(case_id: Any, anchor: str = "") -> Response:
    return redirect(url_for("cases.show", case_id=case_id) + (f"#{anchor}" if anchor else ""))


def _flash_problem(error: ApiError) -> None:
    """A refused form, explained in the user's language field by field."""
    if error.status != 422:
        known = CASE_PROBLEMS.get(error.code)
        flash(str(known) if known is not None else problem_message(error), "error")
        return
    translated = form_errors(error)
    for item in error.errors:
        name = str(item.get("field", ""))
        label = FIELD_LABELS.get(name.split(".")[0], name)
        message = FIELD_PROBLEMS.get(str(item.get("code", "")), translated.get(name, ""))
        flash(f"{label}: {message}", "error")


# --- list and new ----------------------------------------------------------------------


@bp.get("/")
@login_required
def index() -> str:
    params = {
        k: v for k, v in request.args.items() if k in ("q", "stage", "assigned_to", "cursor") and v
    }
    page = api.get("/cases", limit=50, **params)
    return render_template(
        "cases/index.html", page=page, args=params, assignees=_assignee_names(), **_options()
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    errors: dict[str, str] = {}
    form: dict[str, Any] = {"occurred_at": now_local(), "with_contact": "yes"}
    if request.method == "POST":
        form = dict(request.form)
        person = _int_fields(
            _clean(
                (
                    "display_name",
                    "kana",
                    "birth_year",
                    "gender",
                    "municipality",
                    "phone",
                    "email",
                    "address",
                )
            ),
            "birth_year",
        )
        person["anonymous"] = request.form.get("anonymous") == "on"
        body: dict[str, Any] = {"person": person}
        if request.form.get("with_contact") == "yes":
            body["first_contact"] = _contact_body()
        try:
            created = api.post("/cases", body)
        except ApiError as error:
            if error.status != 422:
                raise
            errors = {k.split(".", 1)[-1]: v for k, v in form_errors(error).items()}
        else:
            flash(_l("The case has been opened."), "success")
            return _redirect_case(created["id"])
    return render_template("cases/new.html", form=form, errors=errors, **_options()), (
        422 if errors else 200
    )


def _contact_body() -> dict[str, Any]:
    body = _int_fields(
        _clean(("channel", "by", "relationship", "occurred_at", "minutes", "summary")), "minutes"
    )
    if body.get("by") == "self":
        body.pop("relationship", None)
    return body


# --- the case page ---------------------------------------------------------------------


@bp.get("/<uuid:case_id>")
@login_required
def show(case_id: uuid.UUID) -> str:
    case = api.get(f"/cases/{case_id}")
    timeline = api.get(f"/cases/{case_id}/timeline")["items"]
    return render_template(
        "cases/show.html",
        case=case,
        timeline=timeline,
        assignees=_assignee_names(),
        orgs=_directory(),
        now=now_local(),
        **_options(),
    )


@bp.route("/<uuid:case_id>/contact", methods=["GET", "POST"])
@login_required
def contact(case_id: uuid.UUID) -> Any:
    """Quick entry of a consultation: a few taps on a phone after a home visit."""
    errors: dict[str, str] = {}
    form: dict[str, Any] = {"occurred_at": now_local()}
    if request.method == "POST":
        form = dict(request.form)
        try:
            api.post(f"/cases/{case_id}/contacts", _contact_body())
        except ApiError as error:
            if error.status != 422:
                raise
            errors = form_errors(error)
        else:
            flash(_l("The consultation has been recorded."), "success")
            return _redirect_case(case_id, "timeline")
    case = api.get(f"/cases/{case_id}")
    return render_template(
        "cases/contact.html", case=case, form=form, errors=errors, **_options()
    ), (422 if errors else 200)


@bp.post("/<uuid:case_id>/activities")
@login_required
def activity(case_id: uuid.UUID) -> Response:
    body = _int_fields(
        _clean(
            ("type", "occurred_at", "place", "days", "allowance_yen", "checkpoint_months", "note")
        ),
        "days",
        "allowance_yen",
        "checkpoint_months",
    )
    for name in ("accompanied", "retained"):
        if _bool(name) is not None:
            body[name] = _bool(name)
    return _post_and_return(f"/cases/{case_id}/activities", body, case_id, _l("Recorded."))


@bp.post("/<uuid:case_id>/outcomes")
@login_required
def outcome(case_id: uuid.UUID) -> Response:
    body = _int_fields(
        _clean(("type", "path", "employer", "sector", "occurred_at", "checkpoint_months", "note")),
        "checkpoint_months",
    )
    if _bool("retained") is not None:
        body["retained"] = _bool("retained")
    return _post_and_return(f"/cases/{case_id}/outcomes", body, case_id, _l("Recorded."))


PERSON_FIELDS = ("display_name", "kana", "birth_year", "gender", "municipality")
PERSON_FIELDS += ("phone", "email", "address")


def _changes(case: dict[str, Any]) -> dict[str, Any]:
    """Only what the user changed on the form, compared with the case as it is now; the
    version sent with it (If-Match) makes sure "now" is what the user saw."""
    body: dict[str, Any] = {}
    if request.form.get("section") == "person":
        submitted = _int_fields(
            {f: request.form.get(f, "").strip() or None for f in PERSON_FIELDS}, "birth_year"
        )
        submitted["gender"] = submitted["gender"] or "unknown"
        submitted["anonymous"] = request.form.get("anonymous") == "on"
        person = {k: v for k, v in submitted.items() if v != case["person"].get(k)}
        if person:
            body["person"] = person
        return body
    stage = request.form.get("stage")
    if stage and stage != case["stage"]:
        body["stage"] = stage
        if request.form.get("stage_reason", "").strip():
            body["stage_reason"] = request.form["stage_reason"].strip()
    if "assigned_to" in request.form and (request.form["assigned_to"] or None) != case.get(
        "assigned_to"
    ):
        body["assigned_to"] = request.form["assigned_to"] or None
    return body


@bp.post("/<uuid:case_id>/update")
@login_required
def update(case_id: uuid.UUID) -> Response:
    version = request.form.get("version", "").strip()
    body = _changes(api.get(f"/cases/{case_id}"))
    if not body:
        flash(_l("Nothing was changed."), "success")
        return _redirect_case(case_id)
    try:
        api.patch(f"/cases/{case_id}", body, if_match=version if version.isdigit() else None)
        flash(_l("Saved."), "success")
    except ApiError as error:
        if error.status == 412:
            flash(
                _l(
                    "Someone else changed this case while you were editing it. Check what it "
                    "says now and make your change again."
                ),
                "error",
            )
        elif error.status not in (409, 422):
            raise
        else:
            _flash_problem(error)
    return _redirect_case(case_id)


@bp.post("/<uuid:case_id>/close")
@login_required
def close(case_id: uuid.UUID) -> Response:
    body = _clean(("reason", "reason_code"))
    return _post_and_return(f"/cases/{case_id}/close", body, case_id, _l("The case is closed."))


@bp.post("/<uuid:case_id>/reopen")
@login_required
def reopen(case_id: uuid.UUID) -> Response:
    body = _clean(("reason", "stage"))
    return _post_and_return(f"/cases/{case_id}/reopen", body, case_id, _l("The case is reopened."))


@bp.post("/<uuid:case_id>/consents")
@login_required
def consent(case_id: uuid.UUID) -> Response:
    body: dict[str, Any] = _clean(
        ("method", "given_by", "given_by_relationship", "obtained_at", "expires_at", "note")
    )
    body["to_org_ids"] = request.form.getlist("to_org_ids")
    body["categories"] = request.form.getlist("categories")
    return _post_and_return(
        f"/cases/{case_id}/consents", body, case_id, _l("The consent is recorded."), "consents"
    )


@bp.post("/consents/<uuid:consent_id>/withdraw")
@login_required
def withdraw(consent_id: uuid.UUID) -> Response:
    case_id = request.form.get("case_id", "")
    body = _clean(("reason",))
    try:
        api.post(f"/consents/{consent_id}/withdraw", body)
        flash(_l("The consent is withdrawn. Nothing more will be shared under it."), "success")
    except ApiError as error:
        if error.status not in (409, 422):
            raise
        _flash_problem(error)
    return (
        _redirect_case(uuid.UUID(case_id), "consents")
        if case_id
        else redirect(url_for("cases.index"))
    )


def _post_and_return(
    path: str, body: dict[str, Any], case_id: uuid.UUID, done: Any, anchor: str = "timeline"
) -> Response:
    try:
        api.post(path, body)
        flash(done, "success")
    except ApiError as error:
        if error.status not in (409, 422):
            raise
        _flash_problem(error)
    return _redirect_case(case_id, anchor)


# --- notes -----------------------------------------------------------------------------


@bp.route("/<uuid:case_id>/notes", methods=["GET", "POST"])
@login_required
def notes(case_id: uuid.UUID) -> Any:
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            api.post(f"/cases/{case_id}/notes", _clean(("category", "body")))
        except ApiError as error:
            if error.status != 422:
                raise
            errors = form_errors(error)
        else:
            flash(_l("The note is saved."), "success")
            return redirect(url_for("cases.notes", case_id=case_id))
    case = api.get(f"/cases/{case_id}")
    items = api.get(f"/cases/{case_id}/notes")["items"]
    return render_template(
        "cases/notes.html",
        case=case,
        notes=items,
        errors=errors,
        form=dict(request.form),
        **_options(),
    ), (422 if errors else 200)


# --- import ----------------------------------------------------------------------------


@bp.route("/imports", methods=["GET", "POST"])
@login_required
def imports() -> Any:
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_l("Choose a CSV or Excel file."), "error")
            return redirect(url_for("cases.imports"))
        try:
            response = api.call_raw(
                "POST",
                f"/imports?filename={quote(upload.filename)}",
                body=upload.read(),
                content_type="application/octet-stream",
            )
        except ApiError as error:
            if error.status == 413:
                flash(IMPORT_ERRORS["too_large"], "error")
                return redirect(url_for("cases.imports"))
            if error.status != 422:
                raise
            _flash_problem(error)
            return redirect(url_for("cases.imports"))
        return redirect(url_for("cases.import_job", import_id=response.json()["id"]))
    jobs = api.get("/imports")["items"]
    return render_template("cases/imports.html", jobs=jobs, **_options())


@bp.get("/imports/<uuid:import_id>")
@login_required
def import_job(import_id: uuid.UUID) -> str:
    job = api.get(f"/imports/{import_id}")
    return render_template(
        "cases/import_job.html",
        job=job,
        columns=IMPORT_COLUMNS,
        problems=IMPORT_ERRORS,
        **_options(),
    )


@bp.post("/imports/<uuid:import_id>/<any(commit, discard):action>")
@login_required
def import_action(import_id: uuid.UUID, action: str) -> Response:
    try:
        api.post(f"/imports/{import_id}/{action}")
    except ApiError as error:
        if error.status != 409:
            raise
        _flash_problem(error)
    return redirect(url_for("cases.import_job", import_id=import_id))


def dashboard_cards() -> list[dict[str, Any]]:
    if not current_user.can(Perm.CASE_READ):
        return []
    try:
        mine = api.get("/cases", assigned_to="me", include_closed="false", limit=200)["items"]
    except ApiError:
        return []
    return [
        {
            "title": _l("My open cases"),
            "figure": len(mine),
            "text": _l("Cases assigned to you that are not closed."),
            "url": url_for("cases.index", assigned_to="me"),
            "link_text": _l("Open the list"),
        }
    ]
