"""Signing in and out, the home page, accepting an invitation, the language switch,
one's own account (password, two-step sign-in, access tokens) and the audit log."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from common.http.client import UpstreamTimeout, UpstreamUnavailable
from common.permissions import Perm
from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.auditlog import AUDIT_FILTERS, BadCursor, SourceFailed, merged_page
from gateway.i18n import LANG_COOKIE, LOCALES
from gateway.identity import SESSION_COOKIE, AuthRefused, IdentityResolver
from gateway.ui import form_errors, problem_message
from gateway.views import NavItem

bp = Blueprint("core", __name__)

NAV = [
    NavItem(_l("Home"), "core.home", order=0),
    NavItem(_l("Audit log"), "core.audit_log", permission=Perm.AUDIT_READ, order=90),
]


def _resolver() -> IdentityResolver:
    result: IdentityResolver = current_app.extensions["identity"]
    return result


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never an open redirect."""
    if not target:
        return url_for("core.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("core.home")
    return target


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


@bp.route("/login", methods=["GET", "POST"])
def sign_in() -> Any:
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    form = {"email": "", "otp_needed": False}
    error = None
    status = 200
    if request.method == "POST":
        form["email"] = request.form.get("email", "").strip()
        payload = {
            "email": form["email"],
            "password": request.form.get("password", ""),
            "client_ip": request.remote_addr or "",
            "user_agent": (request.user_agent.string or "")[:200],
        }
        if request.form.get("otp"):
            payload["otp"] = request.form["otp"].strip()
        if request.cookies.get(SESSION_COOKIE):
            payload["previous_session_token"] = request.cookies[SESSION_COOKIE]
        try:
            secret, identity = _resolver().login(payload)
        except AuthRefused as refused:
            problem = ApiError.from_response(refused.response)
            status = 429 if refused.response.status == 429 else 401
            if problem.code == "otp_required":
                form["otp_needed"] = True
                status = 200
            elif problem.code == "otp_invalid":
                form["otp_needed"] = True
            error = (
                problem_message(problem)
                if problem.code != "validation_failed"
                else str(_l("Enter your email and password."))
            )
        else:
            target = _safe_next(request.args.get("next"))
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
    return render_template("core/login.html", form=form, error=error), status


@bp.post("/logout")
def sign_out() -> ResponseReturnValue:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        _resolver().logout(secret)
    response = redirect(url_for("core.sign_in"))
    response.delete_cookie(SESSION_COOKIE, path="/")
    flash(_l("You have signed out."), "info")
    return response


@bp.post("/lang")
def set_language() -> ResponseReturnValue:
    lang = request.form.get("lang", "ja")
    response = redirect(_safe_next(request.form.get("next")))
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
    errors: dict[str, str] = {}
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("password_confirm", ""):
            errors["password_confirm"] = str(_l("The two passwords differ."))
        else:
            body = {"password": password}
            if request.form.get("name", "").strip():
                body["name"] = request.form["name"].strip()
            try:
                api.post(f"/invitations/{token}/accept", body)
            except ApiError as error:
                if error.status != 422:
                    raise
                errors = form_errors(error)
            else:
                flash(_l("Welcome to Tsunagu. Sign in with your new password."), "success")
                return redirect(url_for("core.sign_in"))
    return render_template("core/invitation.html", details=details, errors=errors, token=token), (
        422 if errors else 200
    )


# --- my account ------------------------------------------------------------------------


@bp.get("/account")
@login_required
def account() -> str:
    me = api.get("/me")
    tokens = api.get("/tokens")["items"]
    return render_template("core/account.html", me=me, tokens=tokens)


@bp.post("/account/password")
@login_required
def account_password() -> Any:
    body = {
        "current_password": request.form.get("current_password", ""),
        "new_password": request.form.get("new_password", ""),
    }
    try:
        api.post("/me/password", body)
    except ApiError as error:
        if error.status != 422:
            raise
        for message in form_errors(error).values():
            flash(message, "error")
        return redirect(url_for("core.account") + "#password")
    flash(_l("Your password has been changed. Other sessions were signed out."), "success")
    return redirect(url_for("core.account"))


@bp.route("/account/mfa", methods=["GET", "POST"])
@login_required
def account_mfa() -> Any:
    me = api.get("/me")
    enrolment = None
    recovery_codes = None
    error = None
    action = request.form.get("action") if request.method == "POST" else None
    try:
        if action == "start":
            enrolment = api.post("/me/mfa/totp")
        elif action == "confirm":
            recovery_codes = api.post(
                "/me/mfa/totp/confirm", {"code": request.form.get("code", "").strip()}
            )["recovery_codes"]
            _resolver().forget("session", request.cookies.get(SESSION_COOKIE, ""))
            me = api.get("/me")
        elif action == "disable":
            api.post("/me/mfa/totp/disable", {"code": request.form.get("code", "").strip()})
            flash(_l("Two-step sign-in is off."), "info")
            return redirect(url_for("core.account_mfa"))
    except ApiError as problem:
        if problem.status not in (409, 422):
            raise
        error = (
            problem_message(problem)
            if not problem.errors
            else next(iter(form_errors(problem).values()))
        )
        if action == "confirm":
            enrolment = {"resume": True}
    return render_template(
        "core/mfa.html", me=me, enrolment=enrolment, recovery_codes=recovery_codes, error=error
    )


@bp.post("/account/tokens")
@login_required
def account_token_create() -> str:
    name = request.form.get("name", "").strip()
    body: dict[str, Any] = {"name": name}
    if request.form.get("expires_on"):
        body["expires_at"] = request.form["expires_on"] + "T23:59:59+09:00"
    try:
        created = api.post("/tokens", body)
    except ApiError as error:
        if error.status != 422:
            raise
        for message in form_errors(error).values():
            flash(message, "error")
        return account()
    me = api.get("/me")
    tokens = api.get("/tokens")["items"]
    return render_template("core/account.html", me=me, tokens=tokens, new_token=created)


@bp.post("/account/tokens/<uuid:token_id>/revoke")
@login_required
def account_token_revoke(token_id: Any) -> ResponseReturnValue:
    api.delete(f"/tokens/{token_id}")
    flash(_l("The token has been revoked."), "info")
    return redirect(url_for("core.account"))


# --- audit log -------------------------------------------------------------------------


def _audit_params() -> dict[str, str]:
    params = {k: request.args[k] for k in AUDIT_FILTERS if request.args.get(k)}
    for key in ("from", "to"):
        if key in params and len(params[key]) == 10:  # a date alone is that day in JST
            params[key] += "T00:00:00+09:00"
    return params


def _audit_page(params: dict[str, str], cursor: str | None, limit: int) -> dict[str, Any]:
    try:
        return merged_page(
            current_app.extensions["upstreams"],
            current_user.identity.principal_token,
            params,
            cursor,
            limit,
        )
    except BadCursor:
        raise ApiError(422, code="cursor_invalid") from None
    except SourceFailed as failed:
        raise ApiError.from_response(failed.response) from None
    except (UpstreamUnavailable, UpstreamTimeout):
        raise ApiError(502, code="upstream_unavailable") from None


@bp.get("/audit")
@login_required
def audit_log() -> Any:
    if not current_user.can(Perm.AUDIT_READ):
        return render_template(
            "errors/error.html", status=403, message=_l("Your role does not allow this.")
        ), 403
    params = _audit_params()
    page = _audit_page(params, request.args.get("cursor"), 50)
    return render_template("core/audit.html", page=page, filters=request.args)


@bp.get("/audit.csv")
@login_required
def audit_csv() -> Any:
    if not current_user.can(Perm.AUDIT_READ):
        return render_template(
            "errors/error.html", status=403, message=_l("Your role does not allow this.")
        ), 403
    params = _audit_params()
    out = io.StringIO()
    out.write("\ufeff")  # Excel on Japanese Windows reads UTF-8 only with a BOM
    writer = csv.writer(out)
    writer.writerow(
        [
            "occurred_at",
            "service",
            "action",
            "resource_type",
            "resource_id",
            "actor_id",
            "actor_org_id",
            "purpose",
            "outcome",
            "request_id",
        ]
    )
    cursor = None
    for _ in range(200):  # at most 40,000 rows per export
        page = _audit_page(params, cursor, 200)
        for e in page["items"]:
            writer.writerow(
                [
                    e["occurred_at"],
                    e["service"],
                    e["action"],
                    e["resource_type"],
                    e["resource_id"] or "",
                    e["actor_id"] or "",
                    e["actor_org_id"] or "",
                    e["purpose"] or "",
                    e["outcome"],
                    e["request_id"] or "",
                ]
            )
        cursor = page["next_cursor"]
        if not cursor:
            break
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-log.csv"},
    )
