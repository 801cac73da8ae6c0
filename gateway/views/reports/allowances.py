"""The allowance (手当) ledger: what was paid for experiential work, per person (person key,
never a name), per member and overall for a fiscal year, with CSV/XLSX downloads."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from common.permissions import Perm
from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.i18n import locale
from gateway.views.reports import bp, selection, years

ACTIVITY_WORDS = {"work_experience": _l("Work experience"), "country_work": _l("Country work")}


def accountable_scopes() -> list[tuple[str, Any]]:
    """One's org with a report permission; the consortium only for its admin, who accounts
    for every member's payments (the center's staff read aggregates only)."""
    found = []
    if current_user.can(Perm.REPORT_ORG_READ):
        found.append(("org", _l("Own organization")))
    if current_user.can(Perm.CONSORTIUM_TARGETS_MANAGE):
        found.append(("consortium", _l("Whole consortium")))
    return found


def short_key(person_key: str) -> str:
    """Enough of the key to find the person's line in the export, not a bare id on screen."""
    return person_key[:8]


@bp.get("/allowances")
@login_required
def allowances() -> str:
    readable = accountable_scopes()
    if not readable:
        raise ApiError(403, code="forbidden")
    year, _ = selection()
    scope = request.args.get("scope", "")
    if scope not in [code for code, _label in readable]:
        scope = readable[0][0]
    ledger = api.get("/reports/allowances", fiscal_year=year, scope=scope)
    return render_template(
        "reports/allowances.html",
        year=year,
        scope=scope,
        years=years(),
        scopes=readable,
        ledger=ledger,
        kinds=[(k, ACTIVITY_WORDS.get(k, k)) for k in ledger["paid_types"]],
        short_key=short_key,
        export_query=f"fiscal_year={year}&scope={scope}&lang={locale()}",
    )
