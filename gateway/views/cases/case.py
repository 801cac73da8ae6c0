"""The case page: the person, the stage ladder, the timeline and the consent ladder, with
the forms that record on it (consultation, support activity, outcome, consent, stage and
staff, the person's details, closing and reopening) and withdrawing a consent.

A refused form is shown again on the case page, open, with what was typed and the errors
in place; a saved one returns to the page with a message."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from gateway import apiclient as api
from gateway.forms import Confirmation, Form, Input, confirmed
from gateway.views.cases import bp
from gateway.views.cases.common import (
    OPTIONS,
    assignee_names,
    case_form,
    contact_body,
    member_names,
    now_local,
    person_body,
)
from gateway.views.cases.labels import FIELDS
from gateway.vocabulary import DATA_CATEGORIES_SHORT, label


def case_forms(case: dict[str, Any], now: str) -> dict[str, Form]:
    person = case.get("person") or {}
    values = {f: person.get(f) for f in ("display_name", "kana", "birth_year", "gender")}
    values |= {f: person.get(f) for f in ("municipality", "phone", "email", "address")}
    values["anonymous"] = "on" if person.get("anonymous") else ""
    return {
        "contact": case_form("contact", {"occurred_at": now, "channel": "phone", "by": "family"}),
        "activity": case_form("activity", {"type": "workplace_tour", "occurred_at": now}),
        "outcome": case_form("outcome", {"type": "job_search_started", "occurred_at": now}),
        "consent": case_form(
            "consent",
            {
                "given_by": "self",
                "method": "written",
                "obtained_at": now,
                "categories": ["identity", "history"],
            },
        ),
        "stage": case_form(
            "stage", {"stage": case.get("stage"), "assigned_to": case.get("assigned_to") or ""}
        ),
        "person": case_form("person", values),
        "close": case_form("close", {"reason_code": "other"}),
        "reopen": case_form("reopen"),
    }


def case_page(case_id: uuid.UUID, failed: Form | None = None) -> tuple[str, int]:
    case = api.get(f"/cases/{case_id}")
    timeline = api.get(f"/cases/{case_id}/timeline")["items"]
    forms = case_forms(case, now_local())
    if failed is not None:
        forms[failed.name] = failed
    page = render_template(
        "cases/show.html",
        case=case,
        timeline=timeline,
        assignees=assignee_names(),
        orgs=member_names(),
        forms=forms,
        failed=failed.name if failed is not None and failed.failed else None,
        **OPTIONS,
    )
    return page, failed.status if failed is not None else 200


def record(
    case_id: uuid.UUID,
    form: Form,
    call: Callable[[], Any],
    done: Any,
    anchor: str = "timeline",
    refusable: tuple[int, ...] = (409, 422),
) -> Any:
    """Send a case page form: on a refusal the page again with the form open, else back."""
    form.submit(call, refusable=refusable)
    if form.failed:
        return case_page(case_id, form)
    flash(done, "success")
    return redirect(url_for("cases.show", case_id=case_id, _anchor=anchor))


@bp.get("/<uuid:case_id>")
@login_required
def show(case_id: uuid.UUID) -> Any:
    return case_page(case_id)


@bp.route("/<uuid:case_id>/contact", methods=["GET", "POST"])
@login_required
def contact(case_id: uuid.UUID) -> Any:
    """Quick entry of a consultation: a few taps on a phone after a home visit."""
    form = case_form("contact", {"occurred_at": now_local(), "channel": "phone", "by": "family"})
    if request.method == "POST":
        form.read()
        if request.form.get("from") == "case":
            call = lambda: api.post(f"/cases/{case_id}/contacts", contact_body(form))  # noqa: E731
            return record(case_id, form, call, _l("The consultation has been recorded."))
        form.submit(lambda: api.post(f"/cases/{case_id}/contacts", contact_body(form)))
        if not form.failed:
            flash(_l("The consultation has been recorded."), "success")
            return redirect(url_for("cases.show", case_id=case_id, _anchor="timeline"))
    case = api.get(f"/cases/{case_id}")
    return render_template("cases/contact.html", case=case, form=form, **OPTIONS), form.status


@bp.post("/<uuid:case_id>/activities")
@login_required
def activity(case_id: uuid.UUID) -> Any:
    form = case_form("activity").read()
    body: dict[str, Any] = form.text("type", "occurred_at", "place", "note")
    for name in ("days", "allowance_yen", "checkpoint_months"):
        if form.number(name) is not None:
            body[name] = form.number(name)
    for name in ("accompanied", "retained"):
        if form.choice(name) is not None:
            body[name] = form.choice(name)
    call = lambda: api.post(f"/cases/{case_id}/activities", body)  # noqa: E731
    return record(case_id, form, call, _l("Recorded."))


@bp.post("/<uuid:case_id>/outcomes")
@login_required
def outcome(case_id: uuid.UUID) -> Any:
    form = case_form("outcome").read()
    body: dict[str, Any] = form.text("type", "path", "employer", "sector", "occurred_at", "note")
    if form.number("checkpoint_months") is not None:
        body["checkpoint_months"] = form.number("checkpoint_months")
    if form.choice("retained") is not None:
        body["retained"] = form.choice("retained")
    call = lambda: api.post(f"/cases/{case_id}/outcomes", body)  # noqa: E731
    return record(case_id, form, call, _l("Recorded."))


@bp.post("/<uuid:case_id>/update")
@login_required
def update(case_id: uuid.UUID) -> Any:
    """Send only what the user changed, with the version the form was made from (If-Match):
    if someone changed the case meanwhile, the service answers 412 and the form comes back
    with what was typed, above the case as it is now."""
    section = "person" if request.form.get("section") == "person" else "stage"
    form = case_form(section).read()
    version = request.form.get("version", "").strip()
    body = changes(section, form, api.get(f"/cases/{case_id}"))
    if not body:
        flash(_l("Nothing was changed."), "success")
        return redirect(url_for("cases.show", case_id=case_id))
    call = lambda: api.patch(  # noqa: E731
        f"/cases/{case_id}", body, if_match=version if version.isdigit() else None
    )
    return record(case_id, form, call, _l("Saved."), anchor="", refusable=(409, 412, 422))


def changes(section: str, form: Form, case: dict[str, Any]) -> dict[str, Any]:
    """The fields whose submitted value differs from the case's."""
    if section == "person":
        current = dict(case.get("person") or {})
        current["gender"] = current.get("gender") or "unknown"
        submitted = person_body(form, clear_empty=True)
        submitted["gender"] = submitted.get("gender") or "unknown"
        person = {k: v for k, v in submitted.items() if v != current.get(k)}
        return {"person": person} if person else {}
    body: dict[str, Any] = {}
    wanted = form.text("stage", "stage_reason")
    if wanted.get("stage") and wanted["stage"] != case.get("stage"):
        body = wanted
    if "assigned_to" in request.form and (form.get("assigned_to") or None) != case.get(
        "assigned_to"
    ):
        body["assigned_to"] = form.get("assigned_to") or None
    return body


@bp.post("/<uuid:case_id>/close")
@login_required
def close(case_id: uuid.UUID) -> Any:
    form = case_form("close").read()
    body = form.text("reason", "reason_code")
    call = lambda: api.post(f"/cases/{case_id}/close", body)  # noqa: E731
    return record(case_id, form, call, _l("The case is closed."), anchor="")


@bp.post("/<uuid:case_id>/reopen")
@login_required
def reopen(case_id: uuid.UUID) -> Any:
    form = case_form("reopen").read()
    call = lambda: api.post(f"/cases/{case_id}/reopen", form.text("reason"))  # noqa: E731
    return record(case_id, form, call, _l("The case is reopened."), anchor="")


@bp.post("/<uuid:case_id>/consents")
@login_required
def consent(case_id: uuid.UUID) -> Any:
    form = case_form("consent").read()
    body: dict[str, Any] = form.text(
        "method",
        "given_by",
        "representative_basis",
        "given_by_relationship",
        "obtained_at",
        "expires_at",
    )
    if body.get("given_by") != "legal_representative":
        body.pop("representative_basis", None)  # the form keeps it; the service would refuse
    body |= {"to_org_ids": form.chosen("to_org_ids"), "categories": form.chosen("categories")}
    call = lambda: api.post(f"/cases/{case_id}/consents", body)  # noqa: E731
    return record(case_id, form, call, _l("The consent is recorded."), anchor="consents")


@bp.route("/<uuid:case_id>/consents/<uuid:consent_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(case_id: uuid.UUID, consent_id: uuid.UUID) -> Any:
    """Withdrawing a consent stops every referral relying on it that is not yet accepted:
    it asks first, with a required reason."""
    case = api.get(f"/cases/{case_id}")
    found = [c for c in case.get("consents") or [] if c["id"] == str(consent_id)]
    if not found:
        raise api.ApiError(404, code="not_found")
    form = case_form("withdraw")
    if request.method == "POST":
        form.read()
        if not form.get("reason"):
            form.error("reason", _l("Give the reason for the withdrawal."))
        if confirmed() and not form.failed:
            body = {"reason": form.get("reason")}
            form.submit(
                lambda: api.post(f"/consents/{consent_id}/withdraw", body), refusable=(409, 422)
            )
            if not form.failed:
                flash(
                    _l("The consent is withdrawn. Nothing more will be shared under it."),
                    "success",
                )
                return redirect(url_for("cases.show", case_id=case_id, _anchor="consents"))
    orgs = member_names()
    given = found[0]
    return Confirmation(
        title=_l("Withdraw this consent?"),
        lead=_l(
            "Nothing more will be shared under it, and every referral relying on it that is "
            "not yet accepted is stopped. What was already shared cannot be recalled."
        ),
        facts=[
            (
                FIELDS["to_org_ids"],
                ", ".join(orgs.get(o, str(_l("(another member)"))) for o in given["to_org_ids"]),
            ),
            (
                FIELDS["categories"],
                ", ".join(label(DATA_CATEGORIES_SHORT, k) for k in given["categories"]),
            ),
        ],
        action=url_for("cases.withdraw", case_id=case_id, consent_id=consent_id),
        button=_l("Withdraw the consent"),
        cancel=url_for("cases.show", case_id=case_id, _anchor="consents"),
        form=form,
        inputs=[Input("reason", _l("Reason for the withdrawal"))],
    ).render()
