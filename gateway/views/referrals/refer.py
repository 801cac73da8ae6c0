"""Referring a case: choose the case (when not started from it), the receiver, what to
share and the legal basis; preview the exact packet the receiver will see; send."""

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
from gateway.i18n import format_jst
from gateway.views.referrals import bp, referral_form
from gateway.views.referrals.labels import LABELS
from gateway.vocabulary import DATA_CATEGORIES_SHORT, label

FIELDS = (
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
    "support_meeting_law",
    "support_meeting_constituted_by",
    "support_meeting_held_on",
    "support_meeting_purpose",
)


def _case_consents(case_id: str) -> list[dict[str, Any]]:
    """The case's consents in force, for the picker; none if the cases service cannot say."""
    try:
        case = api.get(f"/cases/{case_id}")
    except ApiError as error:
        if error.status in (404, 403):
            raise
        return []
    consents = [c for c in case.get("consents") or [] if c.get("active", True)]
    # A family member's consent never allows sending the person's data: not offered.
    return [c for c in consents if not c.get("withdrawn_at") and c.get("given_by") != "family"]


def _body(form: Form) -> dict[str, Any]:
    basis = form.get("basis")
    body: dict[str, Any] = {
        "case_id": form.get("case_id"),
        "to_org_id": form.get("to_org_id"),
        "reason": form.get("reason"),
        "categories": [] if basis == "anonymous" else form.chosen("categories"),
        "urgency": form.get("urgency") or "normal",
        "obtained_via": form.get("obtained_via") or "consultation",
    }
    if form.get("respond_by"):
        body["respond_by"] = form.get("respond_by")
    if basis == "consent":
        body["consent_id"] = form.get("consent_id") or None
    elif basis == "exception":
        body["exception"] = {
            "code": form.get("exception_code"),
            "reason": form.get("exception_reason"),
        }
    elif basis == "support_meeting":
        body["support_meeting"] = {
            "law": form.get("support_meeting_law"),
            "constituted_by": form.get("support_meeting_constituted_by"),
            "held_on": form.get("support_meeting_held_on"),
            "member_org_ids": form.chosen("support_meeting_member_org_ids"),
            "purpose": form.get("support_meeting_purpose") or None,
        }
    elif basis == "anonymous":
        body["anonymous"] = True
    return body


def consent_choices(consents: list[dict[str, Any]], names: dict[str, str]) -> dict[str, str]:
    """Each consent as a person recognises it: when, with whom, what."""
    choices = {}
    separator = str(_l(", "))
    for consent in consents:
        text = str(
            _l(
                "%(date)s: %(orgs)s: %(what)s",
                date=format_jst(consent["obtained_at"], fmt="date"),
                orgs=separator.join(
                    names.get(o, str(_l("(another member)"))) for o in consent["to_org_ids"]
                ),
                what=separator.join(label(DATA_CATEGORIES_SHORT, k) for k in consent["categories"]),
            )
        )
        if consent.get("expires_at"):
            text += " " + str(
                _l("(until %(date)s)", date=format_jst(consent["expires_at"], fmt="date"))
            )
        choices[consent["id"]] = text
    return choices


def _pick_case() -> str:
    """Without a case: choose one of my org's cases first (the case page links here too)."""
    query = request.args.get("q", "").strip()
    params: dict[str, Any] = {"limit": 50}
    if query:
        params["q"] = query
    if request.args.get("cursor"):
        params["cursor"] = request.args["cursor"]
    page = api.get("/cases", **params)
    return render_template("referrals/pick_case.html", page=page, q=query, labels=LABELS)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    if not current_user.can(Perm.REFERRAL_SEND):
        raise ApiError(403, code="forbidden")
    case_id = request.values.get("case_id", "")
    if not case_id and request.method == "GET":
        return _pick_case()
    try:
        uuid.UUID(case_id)
    except ValueError:
        raise ApiError(404, code="not_found") from None
    consents = _case_consents(case_id)
    own = str(current_user.principal.org_id)
    directory = [o for o in api.get("/directory")["items"] if o["id"] != own]
    form = referral_form(
        "refer", FIELDS, lists=("categories", "support_meeting_member_org_ids"), prefix="f"
    )
    form.values = {
        "support_meeting_member_org_ids": [],
        "case_id": case_id,
        "basis": "consent" if consents else "anonymous",
        "categories": [],
        "urgency": "normal",
        "obtained_via": "consultation",
        "consent_id": consents[0]["id"] if len(consents) == 1 else "",
    }
    preview = None
    if request.method == "POST":
        form.read()
        body = _body(form)
        if request.form.get("action") == "send":
            created = form.submit(lambda: api.post("/referrals", body))
            if not form.failed:
                flash(_l("The referral has been sent."), "success")
                return redirect(url_for("referrals.detail", referral_id=created["id"]))
        else:
            preview = form.submit(lambda: api.post("/referrals/preview", body))
    return render_template(
        "referrals/new.html",
        form=form,
        preview=preview,
        consents=consents,
        directory=directory,
        org_names={o["id"]: o["name"] for o in directory},
        meeting_members=[(own, _l("My organization"))] + [(o["id"], o["name"]) for o in directory],
        consent_choices=consent_choices(consents, {o["id"]: o["name"] for o in directory}),
        labels=LABELS,
    ), form.status
