"""Pages before and around signing in: the sign-in form (with the second factor when it is
on), signing out, the language switch and accepting an invitation."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.forms import Form
from gateway.i18n import LANG_COOKIE, LOCALES
from gateway.identity import SESSION_COOKIE, AuthRefused, AuthUnavailable, IdentityResolver
from gateway.messages import PROBLEM_MESSAGES, problem_message
from gateway.views.core import bp

LABELS = {
    "email": _l("Email address"),
    "password": _l("Password"),
    "otp": _l("Code from your authenticator app (or a recovery code)"),
    "name": _l("Your name as colleagues will see it"),
    "password_confirm": _l("Password again"),
}


def resolver() -> IdentityResolver:
    found: IdentityResolver = current_app.extensions["identity"]
    return found


def safe_next(target: str | None) -> str:
    """Only same-site relative paths: never an open redirect."""
    if not target:
        return url_for("core.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("core.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
def sign_in() -> Any:
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next")))
    form = Form("signin", fields=("email", "password", "otp"), prefix="f", labels=LABELS)
    otp_needed = False
    status = 200
    if request.method == "POST":
        form.read()
        payload = {
            "email": form.get("email"),
            "password": request.form.get("password", ""),  # as typed, spaces included
            "client_ip": request.remote_addr or "",
            "user_agent": (request.user_agent.string or "")[:200],
        }
        if form.get("otp"):
            payload["otp"] = form.get("otp")
        if request.cookies.get(SESSION_COOKIE):
            payload["previous_session_token"] = request.cookies[SESSION_COOKIE]
        try:
            secret, identity = resolver().login(payload)
        except AuthUnavailable:
            form.problems.append(str(PROBLEM_MESSAGES["auth_unavailable"]))
            status = 503
        except AuthRefused as refused:
            problem = ApiError.from_response(refused.response)
            status = 429 if refused.response.status == 429 else 401
            if problem.code in ("otp_required", "otp_invalid"):
                otp_needed = True
                status = 200 if problem.code == "otp_required" else 401
            if problem.code == "validation_failed":
                form.error("email", _l("Enter your email and password."))
            else:
                form.problems.append(problem_message(problem))
        else:
            target = safe_next(request.args.get("next"))
            if identity.mfa_enrollment_required:
                target = url_for("core.account_mfa")
            response = redirect(target)
            settings = current_app.extensions["settings"]
            response.set_cookie(
                SESSION_COOKIE,
                secret,
                path="/",
                httponly=True,
                samesite="Lax",
                secure=settings.secure_cookies,
                max_age=settings.session_absolute_hours * 3600,
            )
            return response
    return render_template("core/login.html", form=form, otp_needed=otp_needed), status


@bp.post("/logout")
def sign_out() -> ResponseReturnValue:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        resolver().logout(secret)
    response = redirect(url_for("core.sign_in"))
    response.delete_cookie(SESSION_COOKIE, path="/")
    flash(_l("You have signed out."), "info")
    return response


@bp.post("/lang")
def set_language() -> ResponseReturnValue:
    lang = request.form.get("lang", "ja")
    response = redirect(safe_next(request.form.get("next")))
    if lang in LOCALES:
        g.lang = lang
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", path="/")
    return response


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str) -> Any:
    try:
        details = api.get(f"/invitations/{token}")
    except ApiError as error:
        if error.status == 404:
            return render_template("core/invitation_invalid.html"), 404
        raise
    form = Form(
        "join",
        {"name": details.get("name") or ""},
        fields=("name", "password", "password_confirm"),
        prefix="f",
        labels=LABELS,
    )
    if request.method == "POST":
        form.read()
        password = request.form.get("password", "")
        if password != request.form.get("password_confirm", ""):
            form.error("password_confirm", _l("The two passwords differ."))
        body = {"password": password} | form.text("name")
        form.submit(lambda: api.post(f"/invitations/{token}/accept", body))
        if not form.failed:
            flash(_l("Welcome to Tsunagu. Sign in with your new password."), "success")
            return redirect(url_for("core.sign_in"))
    return render_template("core/invitation.html", details=details, form=form), form.status
