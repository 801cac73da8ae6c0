"""The reports area: the KPI table against targets (the programme's layout), charts drawn
as SVG on the server with a table beside each, figures by month, exports, the targets
editor and frozen snapshots. Every figure comes from the reports service."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from common.clock import utcnow
from common.fiscal import fiscal_year_of
from common.permissions import Perm
from gateway import apiclient as api
from gateway.i18n import locale
from gateway.views import NavItem

bp = Blueprint("reports", __name__, url_prefix="/reports")

FIRST_YEAR = 2019


def _reader() -> bool:
    return current_user.can(Perm.REPORT_ORG_READ) or current_user.can(Perm.REPORT_CONSORTIUM_READ)


NAV = [NavItem(_l("Reports"), "reports.index", order=40, visible=_reader)]


def scopes() -> list[tuple[str, Any]]:
    found = []
    if current_user.can(Perm.REPORT_ORG_READ):
        found.append(("org", _l("Own organization")))
    if current_user.can(Perm.REPORT_CONSORTIUM_READ):
        found.append(("consortium", _l("Whole consortium")))
    return found


def manages(scope: str) -> bool:
    return current_user.can(
        Perm.ORG_TARGETS_MANAGE if scope == "org" else Perm.CONSORTIUM_TARGETS_MANAGE
    )


def selection() -> tuple[int, str]:
    """The fiscal year and scope asked for, falling back to this year and the first scope
    the person may read (a bad value shows the default rather than an error page)."""
    current = fiscal_year_of(utcnow())
    try:
        year = int(request.args.get("fiscal_year", current))
    except ValueError:
        year = current
    if not FIRST_YEAR <= year <= current + 5:
        year = current
    readable = [code for code, _label in scopes()]
    scope = request.args.get("scope", "")
    if scope not in readable:
        scope = readable[0] if readable else "org"
    return year, scope


def years() -> list[int]:
    return list(range(fiscal_year_of(utcnow()) + 1, FIRST_YEAR - 1, -1))


def kpi_label(obj: dict[str, Any]) -> str:
    """The reports service names its rows in both languages."""
    return str(obj.get("label_en") or obj["label"]) if locale() == "en" else str(obj["label"])


def dashboard_cards() -> list[dict[str, Any]]:
    readable = scopes()
    if not readable:
        return []
    scope = readable[0][0]
    year = fiscal_year_of(utcnow())
    report = api.get("/reports/kpi", fiscal_year=year, scope=scope)
    row = report["rows"][0]
    target = row["target"]
    figure = f"{row['actual']}" + (f" / {target}" if target is not None else "")
    return [
        {
            "title": _l("%(kpi)s (%(period)s)", kpi=kpi_label(row), period=kpi_label(report)),
            "figure": figure,
            "text": _l("Actual / target this fiscal year."),
            "url": url_for("reports.index", fiscal_year=year, scope=scope),
            "link_text": _l("Open the reports"),
        }
    ]


# The page groups add their pages to ``bp``.
from gateway.views.reports import allowances, kpi, members, snapshots, targets  # noqa: E402, F401
