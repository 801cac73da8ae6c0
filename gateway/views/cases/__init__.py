"""The cases area: the case list and a new case, the case page with its forms, notes and
the spreadsheet import. Every rule lives in the cases service; these pages ask and show."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from common.permissions import Perm
from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.views import NavItem

bp = Blueprint("cases", __name__, url_prefix="/cases")

NAV = [
    NavItem(_l("Cases"), "cases.index", permission=Perm.CASE_READ, order=10),
    NavItem(_l("Import"), "cases.imports", permission=Perm.CASE_IMPORT, order=15),
    NavItem(_l("Data retention"), "cases.retention", permission=Perm.PRIVACY_MANAGE, order=92),
]


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


# The page groups add their pages to ``bp``.
from gateway.views.cases import case, imports, listing, notes, privacy  # noqa: E402, F401
