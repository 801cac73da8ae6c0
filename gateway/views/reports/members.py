"""The consortium's member tables for its report to the prefecture: each member's figures
per fiscal year of the plan, counted from its start in the consortium, with CSV/Excel; the
consortium admin sets when a member that joined mid-plan starts counting."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from common.permissions import Perm
from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.forms import Form
from gateway.i18n import locale
from gateway.views.reports import bp, kpi_label, selection, years

STATUS_WORDS = {
    "member": _l("Whole year"),
    "partial": _l("From its start"),
    "before": _l("Not yet a member"),
}


def start_form(member: dict[str, Any]) -> Form:
    form = Form(
        f"start-{member['org_id']}",
        fields=["starts_on"],
        prefix=f"start-{member['org_id'][:8]}",
        labels={"starts_on": _l("Member since")},
    )
    form.values = {"starts_on": member["starts_on"] if member["start_set"] else ""}
    return form


def _page(year: int, failed: Form | None = None, failed_org: str | None = None) -> Any:
    if not current_user.can(Perm.REPORT_CONSORTIUM_READ):
        raise ApiError(403, code="forbidden")
    report = api.get("/reports/members", fiscal_year=year)
    forms = {}
    for member in report["members"]:
        forms[member["org_id"]] = (
            failed if failed is not None and member["org_id"] == failed_org else start_form(member)
        )
    return render_template(
        "reports/members.html",
        year=year,
        years=years(),
        report=report,
        forms=forms,
        statuses=STATUS_WORDS,
        label=kpi_label,
        export_query=f"fiscal_year={year}&lang={locale()}",
    ), (failed.status if failed is not None else 200)


@bp.get("/members")
@login_required
def members() -> Any:
    year, _scope = selection()
    return _page(year)


@bp.post("/members/<uuid:org_id>/start")
@login_required
def member_start(org_id: uuid.UUID) -> Any:
    year, _scope = selection()
    form = Form(
        f"start-{org_id}",
        fields=["starts_on"],
        prefix=f"start-{str(org_id)[:8]}",
        labels={"starts_on": _l("Member since")},
    ).read()
    starts_on = form.get("starts_on") or None
    form.submit(lambda: api.put(f"/reports/members/{org_id}", {"starts_on": starts_on}))
    if form.failed:
        return _page(year, form, str(org_id))
    flash(_l("The member's start was saved."), "success")
    return redirect(url_for("reports.members", fiscal_year=year))
