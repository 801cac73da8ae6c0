"""The LINE desk area (SNS相談): the desk's LINE channel settings, the queue of
conversations and one conversation. Every rule is the line service's; these pages ask and
show. Who sees the navigation entries is said in docs/ui.md ("The LINE desk")."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from common.permissions import Perm
from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.forms import Form
from gateway.views import NavItem
from gateway.views.line.labels import FIELDS, REFUSALS

bp = Blueprint("line", __name__, url_prefix="/line")

DESK_CHECK_KEY = "line_desk"
DESK_CHECK_SECONDS = 300
NO_DESK_CHECK_SECONDS = 30
"""How long "does my organization run a LINE desk?" is remembered (a "no" more briefly:
the first LINE message turns it into a "yes")."""


def manages_channels() -> bool:
    return current_user.can(Perm.LINE_CHANNELS_MANAGE)


def _org_runs_a_desk() -> bool:
    """Whether the caller's organization answers LINE consultations, from what the API
    gives: its admins ask for the org's channels; its staff cannot (channels are for admins),
    so a queue that has ever held a conversation tells them. Remembered in the session."""
    user_id = str(current_user.principal.user_id)
    remembered = session.get(DESK_CHECK_KEY)
    if (
        isinstance(remembered, list)
        and len(remembered) == 3
        and remembered[0] == user_id
        and remembered[1] > time.time()
    ):
        return bool(remembered[2])
    try:
        if manages_channels():
            org_id = str(current_user.principal.org_id)
            found = api.get("/line/channels", org_id=org_id, limit=1)["items"]
        else:
            found = api.get("/line/conversations", limit=1)["items"]
    except (ApiError, LookupError):  # LookupError: no line service behind this gateway
        found = []
    keep = DESK_CHECK_SECONDS if found else NO_DESK_CHECK_SECONDS
    session[DESK_CHECK_KEY] = [user_id, time.time() + keep, bool(found)]
    return bool(found)


def desk_visible() -> bool:
    if not current_user.principal.org_id or not current_user.can(Perm.LINE_DESK_ANSWER):
        return False
    return manages_channels() or _org_runs_a_desk()


NAV = [
    NavItem(_l("LINE desk"), "line.queue", order=30, visible=desk_visible),
    NavItem(
        _l("LINE channels"),
        "line.channels",
        permission=Perm.LINE_CHANNELS_MANAGE,
        order=82,
    ),
]


def dashboard_cards() -> list[dict[str, Any]]:
    """On the home page of a desk's people: how many LINE users are waiting."""
    if not desk_visible():
        return []
    try:
        waiting = api.get("/line/conversations", status="waiting", limit=200)
    except (ApiError, LookupError):
        return []
    count = len(waiting["items"])
    return [
        {
            "title": _l("LINE users waiting"),
            "figure": f"{count}+" if waiting.get("next_cursor") else count,
            "text": _l("Conversations nobody has taken yet, highest risk first."),
            "url": url_for("line.queue", status="waiting"),
            "link_text": _l("Open the LINE desk"),
        }
    ]


def line_form(name: str, fields: tuple[str, ...], **options: Any) -> Form:
    """A form of the LINE area: its field names and the line service's refusals."""
    return Form(name, fields=fields, labels=FIELDS, messages=REFUSALS, **options)


# The page groups add their pages to ``bp``.
from gateway.views.line import channels, conversation, queue  # noqa: E402, F401
