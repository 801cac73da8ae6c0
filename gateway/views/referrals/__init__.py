"""The referrals area: the boxes, referring a case (with a preview of the exact packet),
one referral with its answers and thread, the notices, the prefectural center's
oversight, the provision ledger and the consortium's referral policy. Every rule is the
referrals service's; these pages ask and show."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from common.permissions import Perm
from gateway import apiclient as api
from gateway.forms import Form
from gateway.views import NavItem
from gateway.views.referrals.labels import FIELDS, REFUSALS

bp = Blueprint("referrals", __name__, url_prefix="/referrals")

NAV = [
    NavItem(_l("Referrals"), "referrals.index", permission=Perm.REFERRAL_READ, order=20),
    NavItem(_l("Notices"), "referrals.notifications", permission=Perm.REFERRAL_READ, order=21),
    NavItem(
        _l("Referral oversight"), "referrals.oversight", permission=Perm.DECLINE_CONFIRM, order=22
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


def referral_form(name: str, fields: tuple[str, ...], **options: Any) -> Form:
    """A form of the referrals area: its field names and the service's refusals."""
    return Form(
        name,
        fields=fields,
        labels=FIELDS,
        messages=REFUSALS,
        aliases={"exception.reason": "exception_reason", "exception.code": "exception_code"},
        **options,
    )


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


# The page groups add their pages to ``bp``.
from gateway.views.referrals import (  # noqa: E402, F401
    boxes,
    ledger,
    notices,
    oversight,
    policy,
    refer,
    referral,
)
