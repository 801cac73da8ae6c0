"""The desk's LINE channel settings (its org admin, or a consortium admin): register the
LINE official account the desk answers, list the channels (never a secret: the service
gives none back), change a channel's name, hours, out-of-hours answer or credentials, and
read the webhook URL to paste into the LINE Developers console."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from common.permissions import Perm
from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.forms import Form
from gateway.views.line import bp, line_form
from gateway.views.line.labels import WEEKDAYS

CHANNEL_FIELDS = (
    "org_id",
    "name",
    "channel_id",
    "channel_secret",
    "channel_access_token",
    "bot_user_id",
    "hours_open",
    "hours_close",
    "out_of_hours_message",
)
SECRETS = ("channel_secret", "channel_access_token")
DEFAULT_HOURS = {"open": "16:00", "close": "21:00", "weekdays": list(range(7))}
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_PAGES = 20


def _channel_form(values: dict[str, Any]) -> Form:
    return line_form(
        "channel",
        CHANNEL_FIELDS,
        lists=("weekdays",),
        prefix="ch",
        values=values,
        aliases={"hours": "hours_close", "hours.closed_days": "hours_close"},
    )


def _form_values(channel: dict[str, Any] | None) -> dict[str, Any]:
    hours = (channel or {}).get("hours") or DEFAULT_HOURS
    return {
        "org_id": (channel or {}).get("org_id", ""),
        "name": (channel or {}).get("name", ""),
        "channel_id": (channel or {}).get("channel_id", ""),
        "bot_user_id": (channel or {}).get("bot_user_id", ""),
        "hours_open": hours.get("open", "16:00"),
        "hours_close": hours.get("close", "21:00"),
        "weekdays": [str(d) for d in hours.get("weekdays", range(7))],
        "out_of_hours_message": (channel or {}).get("out_of_hours_message") or "",
    }


def _check(form: Form, *, new: bool) -> None:
    """What can be said before asking the service: missing answers and unreadable times."""
    required = ("name", "channel_id", "bot_user_id", *SECRETS) if new else ("name",)
    for name in required:
        if not form.get(name):
            form.error(name, _l("This field is required."))
    for name in ("hours_open", "hours_close"):
        if not HHMM.match(str(form.get(name))):
            form.error(name, _l("Enter a time such as 16:00."))
    if form.get("hours_open") and form.get("hours_open") == form.get("hours_close"):
        form.error("hours_close", _l("Opening and closing times must differ."))
    if not form.chosen("weekdays"):
        form.error("weekdays", _l("Choose at least one day."))
    if new and current_user.can(Perm.CONSORTIUM_ORGS_MANAGE) and not form.get("org_id"):
        form.error("org_id", _l("Choose the organization that answers this account."))


def _hours(form: Form, kept: dict[str, Any] | None = None) -> dict[str, Any]:
    hours: dict[str, Any] = {
        "open": form.get("hours_open"),
        "close": form.get("hours_close"),
        "weekdays": sorted(int(d) for d in form.chosen("weekdays") if d in WEEKDAYS),
    }
    if kept and kept.get("closed_days"):
        hours["closed_days"] = kept["closed_days"]  # set through the API; the form keeps them
    return hours


def _organizations() -> dict[str, str]:
    """Whose desk a channel can be: a consortium admin's consortium members, else my org."""
    if current_user.can(Perm.CONSORTIUM_ORGS_MANAGE):
        try:
            return {o["id"]: o["name"] for o in api.get("/directory")["items"]}
        except ApiError:
            return {}
    return {}


def _find(channel_id: str) -> dict[str, Any]:
    """One channel from the list (the contract lists channels; it has no single read)."""
    cursor = None
    for _ in range(MAX_PAGES):
        params: dict[str, Any] = {"limit": 200}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/line/channels", **params)
        for channel in page["items"]:
            if channel["id"] == channel_id:
                return dict(channel)
        cursor = page.get("next_cursor")
        if not cursor:
            break
    abort(404)


@bp.route("/channels")
@login_required
def channels() -> Any:
    params: dict[str, Any] = {}
    if request.args.get("cursor"):
        params["cursor"] = request.args["cursor"]
    page = api.get("/line/channels", **params)
    return render_template(
        "line/channels.html", page=page, orgs=_organizations(), weekdays=WEEKDAYS
    )


@bp.route("/channels/new", methods=["GET", "POST"])
@login_required
def new_channel() -> Any:
    if not current_user.can(Perm.LINE_CHANNELS_MANAGE):
        abort(403)
    form = _channel_form(_form_values(None))
    orgs = _organizations()
    if request.method == "POST":
        form.read()
        _check(form, new=True)
        org_id = form.get("org_id") if orgs else str(current_user.principal.org_id)
        body: dict[str, Any] = {"org_id": org_id} | form.text(
            "name", "channel_id", "bot_user_id", *SECRETS
        )
        body["hours"] = _hours(form)
        body |= form.text("out_of_hours_message")
        created = form.submit(lambda: api.post("/line/channels", body), refusable=(422, 409))
        if created is not None:
            flash(_l("The LINE channel is registered. Paste its webhook URL below."), "success")
            return redirect(url_for("line.channel", channel_id=created["id"]))
    return (
        render_template(
            "line/channel_form.html", form=form, orgs=orgs, weekdays=WEEKDAYS, channel=None
        ),
        form.status,
    )


@bp.route("/channels/<uuid:channel_id>", methods=["GET", "POST"])
@login_required
def channel(channel_id: Any) -> Any:
    current = _find(str(channel_id))
    form = _channel_form(_form_values(current))
    if request.method == "POST":
        form.read()
        _check(form, new=False)
        body: dict[str, Any] = {
            "name": form.get("name"),
            "hours": _hours(form, current.get("hours")),
        }
        # An emptied answer goes back to the service's default text.
        body["out_of_hours_message"] = form.get("out_of_hours_message") or None
        body |= form.text(*SECRETS)  # left empty: the secrets stay as they are
        saved = form.submit(
            lambda: api.patch(f"/line/channels/{channel_id}", body), refusable=(422, 409)
        )
        if saved is not None:
            flash(_l("The LINE channel is saved."), "success")
            return redirect(url_for("line.channel", channel_id=channel_id))
    return (
        render_template(
            "line/channel_form.html",
            form=form,
            orgs=_organizations(),
            weekdays=WEEKDAYS,
            channel=current,
        ),
        form.status,
    )
