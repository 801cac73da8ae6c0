"""Referrals: the incoming and outgoing boxes, the "refer" flow from a case with a preview
of the exact packet, one referral with its history, packet, thread and actions, the
notifications, the prefectural center's oversight, the provision ledger and the
consortium's referral policy. Every rule is the referrals service's; this only asks."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from common.permissions import Perm
from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.ui import field_message, problem_message
from gateway.views import NavItem
from gateway.views._referrals_labels import LABELS, REFUSALS

bp = Blueprint("referrals", __name__, url_prefix="/referrals")

FORM_FIELDS = {"exception.reason": "exception_reason", "exception.code": "exception_code"}


def _can_refer() -> bool:
    return current_user.can(Perm.REFERRAL_SEND)


NAV = [
    NavItem(_l("Referrals"), "referrals.index", permission=Perm.REFERRAL_READ, order=20),
    NavItem(_l("Notices"), "referrals.notifications", permission=Perm.REFERRAL_READ, order=21),
    NavItem(
        _l("Referral oversight"), "referrals.oversight", permission=Perm.REFERRAL_OVERSEE, order=22
    ),
    NavItem(
        _l("Provision ledger"),
        "referrals.ledger",
        order=80,
        visible=lambda: current_user.can(Perm.AUDIT_READ) or current_user.can(Perm.CASE_EXPORT),
    ),
    NavItem(
        _l("Referral policy"),
        "referrals.policy",
        permission=Perm.CONSORTIUM_POLICY_MANAGE,
        order=81,
    ),
]


def referral_errors(error: ApiError) -> dict[str, str]:
    """Field path → translated message, with the referral refusals and form field names."""
    out: dict[str, str] = {}
    for item in error.errors:
        field = str(item.get("field", ""))
        field = FORM_FIELDS.get(
            field, field.split(".")[0] if field.startswith("categories") else field
        )
        code = str(item.get("code", ""))
        message = REFUSALS.get(code)
        out.setdefault(field, str(message) if message is not None else field_message(item))
    return out


def _flash_problem(error: ApiError) -> None:
    if error.status == 422:
        for message in referral_errors(error).values():
            flash(message, "error")
    elif error.code in REFUSALS:
        flash(REFUSALS[error.code], "error")
    elif error.status == 409:
        flash(_l("This cannot be done now: the referral has moved on. See its history."), "error")
    elif error.status == 403:
        flash(problem_message(error), "error")
    else:
        raise error


def dashboard_cards() -> list[dict[str, Any]]:
    if not current_user.can(Perm.REFERRAL_READ):
        return []
    counts = api.get("/notifications/unread-count")
    waiting = api.get("/referrals", box="incoming", status="sent,viewed", limit=200)["items"]
    return [
        {
            "title": _l("Referrals waiting for your answer"),
            "figure": len(waiting),
            "url": url_for("referrals.index", box="incoming", status="sent,viewed"),
            "link_text": _l("Open the incoming box"),
        },
        {
            "title": _l("Unread notices"),
            "figure": counts["total"],
            "url": url_for("referrals.notifications"),
            "link_text": _l("Read the notices"),
        },
    ]


# --- the boxes -------------------------------------------------------------------------


@bp.get("/")
@login_required
def index() -> Any:
    box = request.args.get("box", "incoming")
    if box not in ("incoming", "outgoing"):
        box = "incoming"
    filters = {
        "status": request.args.get("status") or None,
        "urgency": request.args.get("urgency") or None,
        "unread": "true" if request.args.get("unread") == "true" else None,
    }
    params = {k: v for k, v in filters.items() if v} | {"box": box, "limit": 50}
    if request.args.get("cursor"):
        params["cursor"] = request.args["cursor"]
    page = api.get("/referrals", **params)
    counts = api.get("/notifications/unread-count")
    return render_template(
        "referrals/index.html",
        box=box,
        page=page,
        counts=counts,
        filters=filters,
        labels=LABELS,
        may_refer=_can_refer(),
    )


# --- referring a case ------------------------------------------------------------------


def _case_consents(case_id: str) -> list[dict[str, Any]]:
    """The case's consents from the cases service, for the picker; none if it cannot say."""
    try:
        case = api.get(f"/cases/{case_id}")
    except ApiError as error:
        if error.status in (404, 403):
            raise
        return []
    consents = [c for c in case.get("consents") or [] if c.get("active", True)]
    return [c for c in consents if not c.get("withdrawn_at")]


def _referral_form() -> dict[str, Any]:
    form: dict[str, Any] = {
        name: request.form.get(name, "").strip()
        for name in (
            "case_id",
            "to_org_id",
            "basis",
            "consent_id",
            "exception_code",
            "exception_reason",
            "reason",
            "urgency",
            "respond_by",
            "obtained_via",
        )
    }
    form["categories"] = request.form.getlist("categories")
    return form


def _referral_body(form: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "case_id": form["case_id"],
        "to_org_id": form["to_org_id"],
        "reason": form["reason"],
        "categories": [] if form["basis"] == "anonymous" else form["categories"],
        "urgency": form["urgency"] or "normal",
        "obtained_via": form["obtained_via"] or "consultation",
    }
    if form["respond_by"]:
        body["respond_by"] = form["respond_by"]
    if form["basis"] == "consent":
        body["consent_id"] = form["consent_id"] or None
    elif form["basis"] == "exception":
        body["exception"] = {"code": form["exception_code"], "reason": form["exception_reason"]}
    elif form["basis"] == "anonymous":
        body["anonymous"] = True
    return body


def _pick_case() -> str:
    """Without a case: choose one of my org's cases first (the case page links here too)."""
    query = request.args.get("q", "").strip()
    params: dict[str, Any] = {"limit": 50}
    if query:
        params["q"] = query
    page = api.get("/cases", **params)
    return render_template("referrals/pick_case.html", cases=page["items"], q=query, labels=LABELS)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    if not _can_refer():
        raise ApiError(403, code="forbidden")
    case_id = request.values.get("case_id", "")
    if not case_id and request.method == "GET":
        return _pick_case()
    try:
        uuid.UUID(case_id)
    except ValueError:
        raise ApiError(404, code="not_found") from None
    consents = _case_consents(case_id)
    directory = [
        o for o in api.get("/directory")["items"] if o["id"] != str(current_user.principal.org_id)
    ]
    form: dict[str, Any] = {
        "case_id": case_id,
        "basis": "consent" if consents else "anonymous",
        "categories": [],
        "urgency": "normal",
        "obtained_via": "consultation",
        "consent_id": consents[0]["id"] if len(consents) == 1 else "",
    }
    errors: dict[str, str] = {}
    preview = None
    if request.method == "POST":
        form = _referral_form()
        body = _referral_body(form)
        try:
            if request.form.get("action") == "send":
                created = api.post("/referrals", body)
                flash(_l("The referral has been sent."), "success")
                return redirect(url_for("referrals.detail", referral_id=created["id"]))
            preview = api.post("/referrals/preview", body)
        except ApiError as error:
            if error.status != 422:
                raise
            errors = referral_errors(error)
    names = {o["id"]: o["name"] for o in directory}
    return render_template(
        "referrals/new.html",
        form=form,
        errors=errors,
        preview=preview,
        consents=consents,
        directory=directory,
        org_names=names,
        labels=LABELS,
    ), (422 if errors else 200)


# --- one referral ----------------------------------------------------------------------


@bp.get("/<uuid:referral_id>")
@login_required
def detail(referral_id: uuid.UUID) -> Any:
    referral = api.get(f"/referrals/{referral_id}")
    thread = api.get(f"/referrals/{referral_id}/messages", limit=200)
    return render_template(
        "referrals/detail.html", r=referral, thread=thread["items"], labels=LABELS
    )


ACTIONS: dict[str, tuple[str, tuple[str, ...], Any]] = {
    "accept": ("accept", (), _l("You accepted the referral. Your new case will appear here.")),
    "decline": ("decline", ("reason", "reason_code"), _l("Your answer has been recorded.")),
    "withdraw": ("withdraw", ("reason", "reason_code"), _l("The referral has been withdrawn.")),
    "complete": (
        "complete",
        ("outcome", "outcome_note"),
        _l("The outcome has been sent back to the referring organization."),
    ),
    "confirm": ("decline/confirm", ("reason",), _l("The decline is confirmed.")),
    "reject": ("decline/reject", ("reason",), _l("The decline has been sent back.")),
}


@bp.post("/<uuid:referral_id>/act")
@login_required
def act(referral_id: uuid.UUID) -> BaseResponse:
    action = request.form.get("action", "")
    if action not in ACTIONS:
        raise ApiError(404, code="not_found")
    path, fields, done = ACTIONS[action]
    body = {f: request.form[f].strip() for f in fields if request.form.get(f, "").strip()}
    try:
        api.post(f"/referrals/{referral_id}/{path}", body)
    except ApiError as error:
        _flash_problem(error)
    else:
        flash(done, "success")
    if action in ("confirm", "reject") and request.form.get("back") == "oversight":
        return redirect(url_for("referrals.oversight"))
    return redirect(url_for("referrals.detail", referral_id=referral_id))


@bp.post("/<uuid:referral_id>/messages")
@login_required
def post_message(referral_id: uuid.UUID) -> BaseResponse:
    try:
        api.post(f"/referrals/{referral_id}/messages", {"body": request.form.get("body", "")})
    except ApiError as error:
        _flash_problem(error)
    else:
        flash(_l("Your message has been sent."), "success")
    return redirect(url_for("referrals.detail", referral_id=referral_id, _anchor="thread"))


# --- notices ---------------------------------------------------------------------------


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
def open_notification(notification_id: uuid.UUID) -> BaseResponse:
    api.post(f"/notifications/{notification_id}/read")
    referral_id = request.form.get("referral_id")
    if referral_id and request.form.get("box") != "oversight":
        return redirect(url_for("referrals.detail", referral_id=referral_id))
    if request.form.get("box") == "oversight":
        return redirect(url_for("referrals.oversight"))
    return redirect(url_for("referrals.notifications"))


@bp.post("/notifications/read-all")
@login_required
def read_all() -> BaseResponse:
    api.post("/notifications/read-all", {})
    flash(_l("All notices are marked as read."), "success")
    return redirect(url_for("referrals.notifications"))


# --- the prefectural center ------------------------------------------------------------


@bp.get("/oversight")
@login_required
def oversight() -> str:
    chosen = request.args.get("filter") or None
    params: dict[str, Any] = {"limit": 100}
    if chosen in ("decline_requested", "unanswered", "expired"):
        params["filter"] = chosen
    page = api.get("/referrals/oversight", **params)
    summary = api.get("/referrals/oversight/summary")
    return render_template(
        "referrals/oversight.html", page=page, summary=summary, chosen=chosen, labels=LABELS
    )


# --- the provision ledger --------------------------------------------------------------


def _ledger_params() -> dict[str, Any]:
    params = {k: request.args.get(k) for k in ("from", "to", "direction")}
    return {k: v for k, v in params.items() if v}


@bp.get("/ledger")
@login_required
def ledger() -> Any:
    filters = _ledger_params()
    errors: dict[str, str] = {}
    page: dict[str, Any] = {"items": [], "next_cursor": None}
    params = dict(filters, limit=100)
    if request.args.get("cursor"):
        params["cursor"] = request.args["cursor"]
    try:
        page = api.get("/reports/provision-ledger", **params)
    except ApiError as error:
        if error.status != 422:
            raise
        errors = referral_errors(error)
    return render_template(
        "referrals/ledger.html", page=page, filters=filters, errors=errors, labels=LABELS
    ), (422 if errors else 200)


@bp.get("/ledger/export.<fmt>")
@login_required
def ledger_export(fmt: str) -> BaseResponse:
    if fmt not in ("csv", "xlsx"):
        raise ApiError(404, code="not_found")
    answer = api.call_raw(
        "GET", "/reports/provision-ledger", params=_ledger_params() | {"format": fmt}
    )
    response = Response(answer.body, mimetype=answer.header("Content-Type") or "")
    disposition = answer.header("Content-Disposition")
    if disposition:
        response.headers["Content-Disposition"] = disposition
    return response


# --- the consortium's policy -----------------------------------------------------------


@bp.route("/policy", methods=["GET", "POST"])
@login_required
def policy() -> Any:
    errors: dict[str, str] = {}
    if request.method == "POST":
        body: dict[str, Any] = {
            "decline_requires_center_confirmation": request.form.get(
                "decline_requires_center_confirmation"
            )
            == "on"
        }
        for name in (
            "unanswered_days",
            "urgent_unanswered_days",
            "default_respond_days",
            "urgent_respond_days",
        ):
            if request.form.get(name, "").strip():
                body[name] = request.form[name].strip()
        try:
            api.put("/referral-policy", body)
        except ApiError as error:
            if error.status != 422:
                raise
            errors = referral_errors(error)
        else:
            flash(_l("The referral policy has been saved."), "success")
            return redirect(url_for("referrals.policy"))
    current = api.get("/referral-policy")
    return render_template("referrals/policy.html", policy=current, errors=errors), (
        422 if errors else 200
    )
