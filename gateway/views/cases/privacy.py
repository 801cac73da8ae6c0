"""The org admin's duties to the person under APPI: retention (how long closed cases are
kept, and the dry run of what the retention job removes next — closed cases and provision
records)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from common.permissions import Perm
from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.views.cases import bp
from gateway.views.cases.common import OPTIONS, case_form


def _require_privacy_admin() -> None:
    if not current_user.can(Perm.PRIVACY_MANAGE):
        raise ApiError(403, code="forbidden")


@bp.route("/retention", methods=["GET", "POST"])
@login_required
def retention() -> Any:
    _require_privacy_admin()
    form = case_form("retention")
    if request.method == "POST":
        form.read()
        years = form.number("closed_case_years")
        form.submit(lambda: api.put("/cases/retention/policy", {"closed_case_years": years}))
        if not form.failed:
            flash(_l("The retention policy is saved."), "success")
            return redirect(url_for("cases.retention"))
    cases_due = api.get("/cases/retention/due")
    if not form.submitted:
        years = cases_due["policy"]["closed_case_years"]
        form.values["closed_case_years"] = "" if years is None else str(years)
    records_due = api.get("/reports/provision-ledger/due")
    return render_template(
        "cases/retention.html",
        form=form,
        policy=cases_due["policy"],
        cases_due=cases_due,
        records_due=records_due,
        **OPTIONS,
    ), form.status
