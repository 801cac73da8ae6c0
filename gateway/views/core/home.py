"""The home page: a card per area (what waits for me) and the way into each area."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template
from flask_login import login_required

from gateway.apiclient import ApiError
from gateway.views.core import bp


@bp.get("/")
@login_required
def home() -> str:
    cards: list[dict[str, Any]] = []
    for provider in current_app.extensions["dashboard_cards"]:
        try:
            cards.extend(provider())
        except ApiError:
            continue  # one area being down must not take the home page with it
    return render_template("core/home.html", cards=cards)
