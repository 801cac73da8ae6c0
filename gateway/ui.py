"""What every UI page shares: template helpers, form CSRF checks, the rule that a mandatory
second factor is set up before anything else, and error pages in the user's language."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import (
    Flask,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from gateway.apiclient import FORM_NONCE_FIELD, ApiError
from gateway.messages import PROBLEM_MESSAGES, problem_message
from gateway.security import anonymous_csrf_token, tokens_match
from gateway.vocabulary import label

log = logging.getLogger(__name__)

MFA_FREE_ENDPOINTS = frozenset(
    {"core.account_mfa", "core.sign_out", "core.set_language", "static", "core.sign_in"}
)

STATUS_MESSAGES: dict[int, Any] = {
    400: _l("The request could not be understood. Go back and try again."),
    403: PROBLEM_MESSAGES["forbidden"],
    404: PROBLEM_MESSAGES["not_found"],
    405: _l("This page cannot be used that way. Go back and use its buttons."),
    409: PROBLEM_MESSAGES["conflict"],
    413: PROBLEM_MESSAGES["body_too_large"],
    429: _l("Too many requests. Wait a moment and try again."),
    500: _l("Something went wrong on our side. Nothing you did caused it; try again shortly."),
    502: PROBLEM_MESSAGES["upstream_unavailable"],
    503: PROBLEM_MESSAGES["upstream_unavailable"],
    504: PROBLEM_MESSAGES["upstream_timeout"],
}
FORM_EXPIRED = PROBLEM_MESSAGES["csrf_failed"]
SIGN_IN_FIRST = _l("Sign in to see this page.")
SESSION_ENDED = _l("Your session has ended. Please sign in again.")


def form_csrf_token() -> str:
    if current_user.is_authenticated and current_user.csrf_token:
        return str(current_user.csrf_token)
    return anonymous_csrf_token()


def csrf_field() -> Markup:
    """The CSRF token, and a nonce of this rendering of the form: a second submission of
    the same form (a double click, a reload after a timeout) carries the same nonce, from
    which the gateway derives the POST's Idempotency-Key (gateway.apiclient)."""
    return Markup(
        '<input type="hidden" name="csrf_token" value="{}">'
        '<input type="hidden" name="{}" value="{}">'
    ).format(escape(form_csrf_token()), FORM_NONCE_FIELD, secrets.token_urlsafe(16))


def url_with(**changes: Any) -> str:
    """This page's URL with some query arguments changed (None removes one)."""
    args: dict[str, Any] = dict(request.view_args or {})
    for key in request.args:
        values = request.args.getlist(key)
        args[key] = values if len(values) > 1 else values[0]
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint or "core.home", **args)


def error_page(status: int, message: Any = None) -> tuple[str, int]:
    text = message if message is not None else STATUS_MESSAGES.get(status, STATUS_MESSAGES[500])
    return render_template("errors/error.html", status=status, message=text), status


def auth_unavailable_page() -> ResponseReturnValue:
    """503 in the user's language when sign-in cannot be checked; the cookie is kept."""
    body, status = error_page(503, PROBLEM_MESSAGES["auth_unavailable"])
    return body, status, {"Retry-After": "5"}


def sign_in_redirect(message: Any = SIGN_IN_FIRST) -> Any:
    """To the sign-in page, coming back here afterwards."""
    flash(str(message), "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("core.sign_in", next=target))


def install(app: Flask) -> None:
    # Globals, not context processors: imported macros (the pager) see them too.
    app.jinja_env.globals.update(
        csrf_field=csrf_field,
        csrf_token_value=form_csrf_token,
        url_with=url_with,
        request=request,
        term=label,
    )

    @app.before_request
    def _ui_guards() -> ResponseReturnValue | None:
        if request.endpoint in (None, "static"):
            return None
        if request.method == "POST":
            given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token")
            if not tokens_match(form_csrf_token(), given):
                return error_page(400, FORM_EXPIRED)
        if (
            current_user.is_authenticated
            and current_user.identity.mfa_enrollment_required
            and request.endpoint not in MFA_FREE_ENDPOINTS
        ):
            flash(
                _l("Your organization requires two-step sign-in. Set it up to continue."), "warning"
            )
            return redirect(url_for("core.account_mfa"))
        return None

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Any:
        if error.status == 401:
            return sign_in_redirect(SESSION_ENDED)
        if error.status in (403, 404) or error.status >= 500:
            return error_page(error.status)
        return error_page(error.status, problem_message(error))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        status = error.code or 500
        if status == 401:
            return sign_in_redirect(SESSION_ENDED if g.get("cookie_refused") else SIGN_IN_FIRST)
        return error_page(status)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        log.exception("UI page failed", extra={"error_type": type(error).__name__})
        return error_page(500)
