"""The org admin's duties to the person under APPI: retention (how long closed cases are
kept, and the dry run of what the retention job removes next — closed cases and provision
records), disclosure (開示) as a printable page, and erasure (利用停止・消去)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from common.permissions import Perm
from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.forms import Confirmation, Input, confirmed
from gateway.views.cases import bp
from gateway.views.cases.common import OPTIONS, case_form, member_names
from gateway.views.referrals.labels import LABELS as REFERRAL_LABELS


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


@bp.get("/<uuid:case_id>/disclosure")
@login_required
def disclosure(case_id: uuid.UUID) -> Any:
    """The person's disclosure (開示, APPI art. 33) as a page to print and hand over."""
    _require_privacy_admin()
    answer = api.get(f"/cases/{case_id}/disclosure")
    return render_template(
        "cases/disclosure.html",
        d=answer,
        orgs=member_names(),
        referral_labels=REFERRAL_LABELS,
        **OPTIONS,
    )


@bp.route("/<uuid:case_id>/erase", methods=["GET", "POST"])
@login_required
def erase(case_id: uuid.UUID) -> Any:
    """Erasure on the person's request (利用停止・消去, APPI art. 35): asks first, with a
    required reason, saying what is erased and what the law keeps."""
    _require_privacy_admin()
    case = api.get(f"/cases/{case_id}")
    form = case_form("erase")
    if request.method == "POST":
        form.read()
        if not form.get("reason"):
            form.error("reason", _l("Give the reason for the erasure."))
        if confirmed() and not form.failed:
            body = {"reason": form.get("reason")}
            form.submit(lambda: api.post(f"/cases/{case_id}/erase", body), refusable=(409, 422))
            if not form.failed:
                flash(
                    _l("The person's data is erased. The case takes no further record."), "success"
                )
                return redirect(url_for("cases.show", case_id=case_id))
    return Confirmation(
        title=_l("Erase this person's data?"),
        lead=_l(
            "The name, kana, birth year, contact details and municipality, and every text "
            "written about the person (consultation summaries, notes, places, employers, "
            "reasons) are erased for good, and the case takes no further record. The coded "
            "records stay, so the figures in the reports do not change; consents and the "
            "provision records stay until their retention ends, as the law requires."
        ),
        facts=[(_l("Person"), case["person"]["display_name"])],
        action=url_for("cases.erase", case_id=case_id),
        button=_l("Erase the person's data"),
        cancel=url_for("cases.show", case_id=case_id),
        form=form,
        inputs=[Input("reason", _l("Reason (the person's request)"))],
    ).render()


@bp.route("/sensitive-terms", methods=["GET", "POST"])
@login_required
def sensitive_terms() -> Any:
    """The org's own terms of the sensitive-information dictionary, one per line; the
    defaults always apply and are listed beside them."""
    _require_privacy_admin()
    form = case_form("sensitive_terms")
    current = api.get("/cases/sensitive-terms")
    if request.method == "POST":
        form.read()
        lines = str(form.get("terms") or "").splitlines()
        terms = [t.strip() for t in lines if t.strip()]
        form.submit(lambda: api.put("/cases/sensitive-terms", {"terms": terms}))
        if not form.failed:
            flash(_l("The dictionary is saved."), "success")
            return redirect(url_for("cases.sensitive_terms"))
    else:
        form.values["terms"] = "\n".join(current["terms"])
    return render_template(
        "cases/sensitive_terms.html", form=form, defaults=current["defaults"], **OPTIONS
    ), form.status
