"""One referral: who sent it to whom, the legal basis, the packet, its history and the
thread, and the answers — accept, decline, withdraw, complete, and the center confirming
or sending back a decline. Accepting, declining, withdrawing and confirming a decline ask
for a confirmation first (a page that works without JavaScript)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.forms import Confirmation, Form, Input, confirmed
from gateway.views.referrals import bp, referral_form
from gateway.views.referrals.labels import (
    DECLINE_REASONS,
    LABELS,
    WITHDRAW_REASONS,
)
from gateway.vocabulary import AGE_BANDS, GENDERS, label


@dataclass(frozen=True)
class Action:
    path: str  # under /referrals/{id}/
    fields: tuple[str, ...]
    required: tuple[str, ...]
    done: Any
    confirm: bool = False


ACTIONS = {
    "accept": Action(
        "accept", (), (), _l("You accepted the referral. Your new case will appear here."), True
    ),
    "decline": Action(
        "decline",
        ("reason_code", "reason"),
        ("reason",),
        _l("Your answer has been recorded."),
        True,
    ),
    "withdraw": Action(
        "withdraw",
        ("reason_code", "reason"),
        ("reason",),
        _l("The referral has been withdrawn."),
        True,
    ),
    "complete": Action(
        "complete",
        ("outcome", "outcome_note"),
        ("outcome_note",),
        _l("The outcome has been sent back to the referring organization."),
    ),
    "confirm": Action("decline/confirm", ("reason",), (), _l("The decline is confirmed."), True),
    "reject": Action(
        "decline/reject", ("reason",), ("reason",), _l("The decline has been sent back.")
    ),
}
DEFAULTS = {
    "decline": {"reason_code": "no_capacity"},
    "withdraw": {"reason_code": "person_request"},
    "complete": {"outcome": "got_help"},
}


def action_form(action: str) -> Form:
    spec = ACTIONS[action]
    form = referral_form(action, spec.fields, prefix=action)
    form.values = dict(DEFAULTS.get(action, {}))
    return form


def message_form() -> Form:
    return referral_form("message", ("body",), prefix="msg")


def detail_page(referral_id: uuid.UUID, failed: Form | None = None) -> tuple[str, int]:
    referral = api.get(f"/referrals/{referral_id}")
    thread = api.get(f"/referrals/{referral_id}/messages", limit=200)
    forms = {name: action_form(name) for name in ACTIONS} | {"message": message_form()}
    if failed is not None:
        forms[failed.name] = failed
    page = render_template(
        "referrals/detail.html",
        r=referral,
        thread=thread["items"],
        labels=LABELS,
        forms=forms,
        failed=failed.name if failed is not None and failed.failed else None,
    )
    return page, failed.status if failed is not None else 200


@bp.get("/<uuid:referral_id>")
@login_required
def detail(referral_id: uuid.UUID) -> Any:
    return detail_page(referral_id)


def _person(referral: dict[str, Any]) -> str:
    person = referral.get("person") or {}
    attributes = str(
        _l(
            "%(age)s, %(gender)s",
            age=label(AGE_BANDS, person.get("age_band")),
            gender=label(GENDERS, person.get("gender")),
        )
    )
    name = person.get("display_name")
    return str(_l("%(name)s (%(kana)s)", name=name, kana=attributes)) if name else attributes


def referral_summary(referral_id: uuid.UUID) -> dict[str, Any]:
    """The referral as the sender or receiver sees it, or — for the prefectural center,
    which is party to neither — its oversight entry (no person, no packet)."""
    try:
        found: dict[str, Any] = api.get(f"/referrals/{referral_id}")
        return found
    except ApiError as error:
        if error.status != 404 or request.form.get("back") != "oversight":
            raise
    items = api.get("/referrals/oversight", filter="decline_requested", limit=200)["items"]
    for item in items:
        if item["id"] == str(referral_id):
            return dict(item)
    raise ApiError(404, code="not_found")


def confirmation(referral_id: uuid.UUID, action: str, form: Form) -> tuple[str, int]:
    referral = referral_summary(referral_id)
    urgent = referral.get("urgency") == "urgent"
    facts = [(_l("Person"), _person(referral))] if referral.get("person") else []
    facts += [
        (_l("From"), (referral.get("from_org") or {}).get("name", "")),
        (_l("To"), (referral.get("to_org") or {}).get("name", "")),
    ]
    if urgent:
        facts.append((_l("Urgency"), label(LABELS["urgency"], "urgent")))
    hidden = [("action", action), ("back", request.form.get("back", ""))]
    cancel = (
        url_for("referrals.oversight")
        if request.form.get("back") == "oversight"
        else url_for("referrals.detail", referral_id=referral_id)
    )
    common: dict[str, Any] = {
        "action": url_for("referrals.act", referral_id=referral_id),
        "cancel": cancel,
        "form": form,
        "facts": facts,
        "hidden": hidden,
    }
    if action == "accept":
        page = Confirmation(
            title=_l("Accept this referral?"),
            lead=_l(
                "Your organization takes the person on: a case opens for them here, seeded "
                "from what was shared, and the sender is told."
            ),
            button=_l("Accept"),
            danger=False,
            **common,
        )
    elif action == "decline":
        page = Confirmation(
            title=_l("Decline this referral?"),
            lead=_l(
                "The sender is told, with your note. Say what the person can do next or "
                "who else could help."
            ),
            button=_l("Decline"),
            warning=_l(
                "This referral is urgent. Declining leaves the person waiting: tell the sender "
                "who could take them on, and call them if the person is at risk."
            )
            if urgent
            else None,
            inputs=[
                Input("reason_code", _l("Main reason"), kind="select", options=DECLINE_REASONS),
                Input("reason", _l("A note for the sender")),
            ],
            **common,
        )
    elif action == "withdraw":
        page = Confirmation(
            title=_l("Withdraw this referral?"),
            lead=_l("The receiver is told and can no longer accept it."),
            button=_l("Withdraw the referral"),
            inputs=[
                Input(
                    "reason_code",
                    _l("Main reason"),
                    kind="select",
                    options={k: v for k, v in WITHDRAW_REASONS.items() if k != "consent_withdrawn"},
                ),
                Input("reason", _l("A note for the receiver")),
            ],
            **common,
        )
    else:  # confirm a decline
        decline = referral.get("decline") or {}
        page = Confirmation(
            title=_l("Confirm this decline?"),
            lead=_l(
                "The referral ends as declined and the sender is told. If the person still "
                "needs help, send the decline back instead."
            ),
            button=_l("Confirm the decline"),
            warning=_l("This referral is urgent.") if urgent else None,
            **(
                common
                | {
                    "facts": [
                        *facts,
                        (_l("Main reason"), label(DECLINE_REASONS, decline.get("reason_code"))),
                        (_l("Note"), decline.get("reason") or "—"),
                    ]
                }
            ),
        )
    return page.render()


@bp.post("/<uuid:referral_id>/act")
@login_required
def act(referral_id: uuid.UUID) -> Any:
    action = request.form.get("action", "")
    if action not in ACTIONS:
        raise ApiError(404, code="not_found")
    spec = ACTIONS[action]
    form = action_form(action).read()
    for name in spec.required:
        if not form.get(name):
            form.error(name, _l("This field is required."))
    if spec.confirm and (form.failed or not confirmed()):
        return confirmation(referral_id, action, form)
    form.submit(
        lambda: api.post(f"/referrals/{referral_id}/{spec.path}", form.text(*spec.fields)),
        refusable=(403, 409, 422),
    )
    back_to_oversight = request.form.get("back") == "oversight"
    if form.failed and form.errors:
        if spec.confirm:
            return confirmation(referral_id, action, form)
        if not back_to_oversight:
            return detail_page(referral_id, form)
        form.problems.extend(form.errors.values())
    for problem in form.problems:
        flash(problem, "error")
    if not form.failed:
        flash(spec.done, "success")
    if back_to_oversight:
        return redirect(url_for("referrals.oversight"))
    return redirect(url_for("referrals.detail", referral_id=referral_id))


@bp.post("/<uuid:referral_id>/messages")
@login_required
def post_message(referral_id: uuid.UUID) -> Any:
    form = message_form().read()
    if not form.get("body"):
        form.error("body", _l("This field is required."))
    form.submit(
        lambda: api.post(f"/referrals/{referral_id}/messages", form.text("body")),
        refusable=(403, 409, 422),
    )
    if form.failed:
        return detail_page(referral_id, form)
    flash(_l("Your message has been sent."), "success")
    return redirect(url_for("referrals.detail", referral_id=referral_id, _anchor="thread"))
