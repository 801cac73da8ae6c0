"""One's own account: password, two-step sign-in and personal access tokens."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from gateway import apiclient as api
from gateway.forms import Form
from gateway.identity import SESSION_COOKIE
from gateway.views.core import bp
from gateway.views.core.session import resolver

LABELS = {
    "current_password": _l("Current password"),
    "new_password": _l("New password"),
    "name": _l("Token name"),
    "expires_on": _l("Expires on (optional)"),
    "code": _l("Code"),
}


def password_form() -> Form:
    return Form("password", fields=("current_password", "new_password"), prefix="pw", labels=LABELS)


def token_form() -> Form:
    return Form(
        "token",
        fields=("name", "expires_on"),
        prefix="tok",
        labels=LABELS,
        aliases={"expires_at": "expires_on"},
    )


def account_page(
    *, password: Form | None = None, token: Form | None = None, new_token: Any = None
) -> tuple[str, int]:
    forms = {"password": password or password_form(), "token": token or token_form()}
    me = api.get("/me")
    tokens = api.get("/tokens")["items"]
    status = 422 if any(f.failed for f in forms.values()) else 200
    page = render_template(
        "core/account.html", me=me, tokens=tokens, new_token=new_token, forms=forms
    )
    return page, status


@bp.get("/account")
@login_required
def account() -> Any:
    return account_page()


@bp.post("/account/password")
@login_required
def account_password() -> Any:
    form = password_form().read()
    body = {
        "current_password": request.form.get("current_password", ""),
        "new_password": request.form.get("new_password", ""),
    }
    form.submit(lambda: api.post("/me/password", body))
    if form.failed:
        return account_page(password=form)
    flash(_l("Your password has been changed. Other sessions were signed out."), "success")
    return redirect(url_for("core.account"))


@bp.route("/account/mfa", methods=["GET", "POST"])
@login_required
def account_mfa() -> Any:
    me = api.get("/me")
    form = Form("mfa", fields=("code",), prefix="f", labels=LABELS)
    enrolment = None
    recovery_codes = None
    action = request.form.get("action") if request.method == "POST" else None
    if action:
        form.read()
    if action == "start":
        enrolment = form.submit(lambda: api.post("/me/mfa/totp"), refusable=(409, 422))
    elif action == "confirm":
        answer = form.submit(
            lambda: api.post("/me/mfa/totp/confirm", {"code": form.get("code")}),
            refusable=(409, 422),
        )
        if answer is not None:
            recovery_codes = answer["recovery_codes"]
            resolver().forget("session", request.cookies.get(SESSION_COOKIE, ""))
            me = api.get("/me")
        else:
            enrolment = {"resume": True}
    elif action == "disable":
        form.submit(
            lambda: api.post("/me/mfa/totp/disable", {"code": form.get("code")}),
            refusable=(409, 422),
        )
        if not form.failed:
            flash(_l("Two-step sign-in is off."), "info")
            return redirect(url_for("core.account_mfa"))
    return render_template(
        "core/mfa.html", me=me, enrolment=enrolment, recovery_codes=recovery_codes, form=form
    ), form.status


@bp.post("/account/tokens")
@login_required
def account_token_create() -> Any:
    form = token_form().read()
    body: dict[str, Any] = {"name": form.get("name")}
    if form.get("expires_on"):
        body["expires_at"] = form.get("expires_on") + "T23:59:59+09:00"
    created = form.submit(lambda: api.post("/tokens", body))
    if form.failed:
        return account_page(token=form)
    return account_page(new_token=created)


@bp.post("/account/tokens/<uuid:token_id>/revoke")
@login_required
def account_token_revoke(token_id: Any) -> ResponseReturnValue:
    api.delete(f"/tokens/{token_id}")
    flash(_l("The token has been revoked."), "info")
    return redirect(url_for("core.account"))
