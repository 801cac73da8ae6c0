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

bp = Blueprint("cases", __name__, url_prefix="/cases")

NAV = [
    NavItem(_l("Cases"), "cases.index", permission=Perm.CASE_READ, order=10),
    NavItem(_l("Import"), "cases.imports", permission=Perm.CASE_IMPORT, order=15),
]

STAGES = [
    ("intake", _l("Intake")),
    ("preparation", _l("Preparation")),
    ("experience", _l("Experience")),
    ("job_search", _l("Job search")),
    ("employed", _l("Path decided")),
    ("retention", _l("Retention")),
    ("closed", _l("Closed")),
]
CHANNELS = [
    ("phone", _l("Phone")),
    ("visit", _l("Visit")),
    ("home_visit", _l("Home visit")),
    ("line", _l("LINE")),
    ("email", _l("E-mail")),
    ("outreach", _l("Outreach")),
    ("online", _l("Online")),
]
PARTIES = [("self", _l("The person")), ("family", _l("Family"))]
RELATIONSHIPS = [
    ("mother", _l("Mother")),
    ("father", _l("Father")),
    ("parent", _l("Parent")),
    ("sibling", _l("Sibling")),
    ("spouse", _l("Spouse")),
    ("child", _l("Child")),
    ("grandparent", _l("Grandparent")),
    ("relative", _l("Relative")),
    ("other", _l("Other")),
]
GENDERS = [
    ("unknown", _l("Not known")),
    ("female", _l("Female")),
    ("male", _l("Male")),
    ("other", _l("Other")),
]
ACTIVITIES = [
    ("aptitude_test", _l("Aptitude test")),
    ("interview_practice", _l("Interview practice")),
    ("workplace_tour", _l("Workplace tour")),
    ("country_work", _l("Country work")),
    ("work_experience", _l("Work experience")),
    ("job_application", _l("Job application")),
    ("group_program", _l("Group programme")),
    ("retention_followup", _l("Retention follow-up")),
    ("seminar", _l("Seminar")),
    ("other", _l("Other")),
]
OUTCOMES = [
    ("job_search_started", _l("Job search started")),
    ("path_decided", _l("Path decided")),
    ("retention", _l("Retention status")),
]
PATHS = [
    ("employment_regular", _l("Regular employment")),
    ("employment_nonregular", _l("Non-regular employment")),
    ("vocational_training", _l("Vocational training")),
    ("education", _l("Education")),
    ("welfare", _l("Welfare")),
    ("other", _l("Other")),
]
CATEGORIES = [
    ("identity", _l("Identity")),
    ("contact", _l("Contact details")),
    ("history", _l("Consultation history")),
    ("support_record", _l("Support record")),
    ("sensitive", _l("Sensitive information")),
]
METHODS = [("written", _l("Written")), ("verbal", _l("Verbal")), ("electronic", _l("Electronic"))]
GIVERS = [("self", _l("The person")), ("guardian", _l("Guardian")), ("family", _l("Family"))]
CLOSE_REASONS = [
    ("path_decided", _l("Path decided / settled")),
    ("referred", _l("Referred on")),
    ("no_contact", _l("Contact lost")),
    ("declined", _l("At their wish")),
    ("moved", _l("Moved away")),
    ("other", _l("Other")),
]
NOTE_CATEGORIES = [
    ("general", _l("General")),
    ("illness", _l("Illness")),
    ("disability", _l("Disability")),
    ("treatment", _l("Treatment")),
    ("criminal_record", _l("Criminal record")),
    ("crime_victim", _l("Crime victim")),
    ("other_sensitive", _l("Other sensitive")),
]
LADDER = [
    ("family_anonymous", _l("Family consults anonymously")),
    ("family_named", _l("Family gives names")),
    ("person_reached", _l("Person reached")),
    ("person_consented", _l("Person consents to sharing")),
]
IMPORT_STATUS = {
    "previewed": _l("Ready to import"),
    "invalid": _l("Has errors"),
    "queued": _l("Waiting"),
    "committing": _l("Importing"),
    "committed": _l("Imported"),
    "failed": _l("Failed"),
    "discarded": _l("Discarded"),
    "expired": _l("Expired"),
}
IMPORT_COLUMNS = {
    "case_ref": _l("Case number"),
    "display_name": _l("Full name"),
    "kana": _l("Kana"),
    "anonymous": _l("Anonymous"),
    "birth_year": _l("Year of birth"),
    "gender": _l("Gender"),
    "municipality": _l("Municipality"),
    "phone": _l("Phone"),
    "email": _l("E-mail"),
    "address": _l("Home address"),
    "stage": _l("Stage"),
    "opened_at": _l("Opened"),
    "contact_at": _l("Consultation date"),
    "channel": _l("How"),
    "by": _l("Who consulted"),
    "relationship": _l("Relationship"),
    "minutes": _l("Minutes"),
    "summary": _l("Summary"),
    "header": _l("Header row"),
    "file": _l("File"),
}
IMPORT_ERRORS = {
    "not_a_date": _l("Not a date (write 2021/4/1 or 令和3年4月1日)."),
    "no_such_date": _l("There is no such date."),
    "not_a_year": _l("Not a year (write 1982 or 昭和57年)."),
    "not_minutes": _l("Not a number of minutes."),
    "unknown_value": _l("This value is not one of the known choices."),
    "missing": _l("This is required."),
    "too_long": _l("This is too long."),
    "range": _l("This is out of range."),
    "in_future": _l("The date is in the future."),
    "conflict": _l("Differs from an earlier row of the same case number."),
    "duplicate": _l("A case with this number has been imported before."),
    "order": _l("Is later than the case's first consultation."),
    "not_family": _l("Only a family member's consultation has a relationship."),
    "unknown": _l("This column is not understood."),
    "repeat": _l("This column appears twice."),
    "too_many": _l("Too many rows (at most 5,000 per file)."),
    "empty": _l("The file has no rows."),
}

CASE_PROBLEMS = {
    "case_closed": _l("The case is closed: reopen it first."),
    "already_closed": _l("The case is already closed."),
    "already_open": _l("The case is open."),
    "already_withdrawn": _l("The consent is already withdrawn."),
    "import_invalid": _l("The file has errors: correct them and upload it again."),
}
FIELD_PROBLEMS = {
    "in_future": _l("The date is in the future."),
    "not_family": _l("Only a family member's consultation has a relationship."),
    "use_close": _l("Close a case with its reason instead."),
    "unknown_org": _l("Not a member of your consortium."),
    "own_org": _l("Your own organization needs no consent."),
    "order": _l("The expiry must be after the date it was given."),
    "unknown_user": _l("Not a member of your organization."),
}
FIELD_LABELS = {
    "reason": _l("Reason"),
    "occurred_at": _l("When"),
    "obtained_at": _l("Obtained"),
    "expires_at": _l("Expires (optional)"),
    "to_org_ids": _l("May be shared with"),
    "categories": _l("What"),
    "path": _l("Path (when a path is decided)"),
    "retained": _l("Still at work?"),
    "checkpoint_months": _l("Retention checkpoint"),
    "allowance_yen": _l("Allowance in yen"),
    "days": _l("Days (work experience)"),
    "relationship": _l("Relationship"),
    "minutes": _l("Minutes"),
    "stage": _l("Stage"),
    "assigned_to": _l("In charge"),
    "employer": _l("Employer"),
    "sector": _l("Industry"),
    "given_by_relationship": _l("Relationship (guardian or family)"),
}

LABELS = {
    "stage": dict(STAGES),
    "channel": dict(CHANNELS),
    "by": dict(PARTIES),
    "relationship": dict(RELATIONSHIPS),
    "gender": dict(GENDERS),
    "activity": dict(ACTIVITIES),
    "outcome": dict(OUTCOMES),
    "path": dict(PATHS),
    "category": dict(CATEGORIES),
    "method": dict(METHODS),
    "given_by": dict(GIVERS),
    "close": dict(CLOSE_REASONS),
    "note": dict(NOTE_CATEGORIES),
    "ladder": dict(LADDER),
    "import": IMPORT_STATUS,
}


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


@bp.post("/<uuid:case_id>/update")
@login_required
def update(case_id: uuid.UUID) -> Response:
    body: dict[str, Any] = {}
    if request.form.get("section") == "person":
        person = _int_fields(
            {
                f: request.form.get(f, "").strip() or None
                for f in (
                    "display_name",
                    "kana",
                    "birth_year",
                    "gender",
                    "municipality",
                    "phone",
                    "email",
                    "address",
                )
            },
            "birth_year",
        )
        person["anonymous"] = request.form.get("anonymous") == "on"
        body["person"] = person
    else:
        if request.form.get("stage"):
            body["stage"] = request.form["stage"]
        if request.form.get("stage_reason", "").strip():
            body["stage_reason"] = request.form["stage_reason"].strip()
        if "assigned_to" in request.form:
            body["assigned_to"] = request.form["assigned_to"] or None
    try:
        api.patch(f"/cases/{case_id}", body)
        flash(_l("Saved."), "success")
    except ApiError as error:
        if error.status not in (409, 422):
            raise
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
