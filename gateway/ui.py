"""What every UI page shares: form CSRF checks, translated problem messages, error
pages, and the rule that a mandatory second factor is set up before anything else."""

from __future__ import annotations

from typing import Any

from flask import (
    Flask,
    Response,
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

from gateway.apiclient import ApiError
from gateway.security import anonymous_csrf_token, tokens_match

# Field error codes (pydantic's and the services' own) in the user's language.
ERROR_MESSAGES: dict[str, Any] = {
    "missing": _l("This field is required."),
    "string_too_short": _l("This field is required."),
    "string_too_long": _l("This is too long."),
    "enum": _l("Choose one of the options."),
    "literal_error": _l("Choose one of the options."),
    "int_parsing": _l("Enter a whole number."),
    "int_type": _l("Enter a whole number."),
    "float_parsing": _l("Enter a number."),
    "uuid_parsing": _l("Choose one of the options."),
    "datetime_parsing": _l("Enter a valid date and time."),
    "datetime_from_date_parsing": _l("Enter a valid date and time."),
    "date_parsing": _l("Enter a valid date."),
    "date_from_datetime_parsing": _l("Enter a valid date."),
    "greater_than_equal": _l("The value is too small."),
    "greater_than": _l("The value is too small."),
    "less_than_equal": _l("The value is too large."),
    "less_than": _l("The value is too large."),
    "extra_forbidden": _l("This field is not accepted."),
    "duplicate": _l("This is already registered."),
    "not_found": _l("Not found."),
    "password_too_short": _l("Use at least 12 characters."),
    "password_too_long": _l("The password is too long."),
    "password_too_weak": _l("This password is too common or easy to guess."),
    "bad_credentials": _l("The email or password is not correct."),
    "otp_invalid": _l("The code is not correct."),
    "in_past": _l("Choose a time in the future."),
    "value_error": _l("This value is not valid."),
    "cursor_invalid": _l("The page link is out of date."),
}

PROBLEM_MESSAGES: dict[str, Any] = {
    "bad_credentials": _l("The email or password is not correct."),
    "user_deactivated": _l("This account has been deactivated."),
    "org_suspended": _l("Your organization is suspended. Ask your consortium's office."),
    "otp_required": _l("Enter the 6-digit code from your authenticator app."),
    "otp_invalid": _l("The code is not correct."),
    "too_many_requests": _l("Too many failed sign-ins. Wait a while and try again."),
    "not_found": _l("Not found, or not yours to see."),
    "forbidden": _l("Your role does not allow this."),
    "upstream_unavailable": _l("A part of Tsunagu is not answering. Try again shortly."),
    "upstream_timeout": _l("A part of Tsunagu took too long to answer. Try again shortly."),
    "own_org": _l("You cannot suspend your own organization."),
    "already_suspended": _l("The organization is already suspended."),
    "already_active": _l("The organization is already active."),
    "self": _l("You cannot change your own role or deactivate yourself."),
    "already_joined": _l("This person has already joined."),
    "mfa_mandatory": _l("Your organization requires two-step sign-in."),
    "mfa_enabled": _l("Two-step sign-in is already on."),
    "validation_failed": _l("Some fields need attention."),
    "conflict": _l("This cannot be done in the current state."),
}

MFA_FREE_ENDPOINTS = frozenset(
    {"core.account_mfa", "core.sign_out", "core.set_language", "static", "core.sign_in"}
)


def field_message(item: dict[str, str]) -> str:
    code = item.get("code", "")
    message = ERROR_MESSAGES.get(code)
    return str(message) if message is not None else str(item.get("message", ""))


def problem_message(error: ApiError) -> str:
    message = PROBLEM_MESSAGES.get(error.code)
    if message is not None:
        return str(message)
    return error.detail or error.title or str(_l("Something went wrong."))


def form_errors(error: ApiError) -> dict[str, str]:
    """Field path → translated message, for templates."""
    return {name: field_message(items[0]) for name, items in error.field_errors().items()}


def form_csrf_token() -> str:
    if current_user.is_authenticated and current_user.csrf_token:
        return str(current_user.csrf_token)
    return anonymous_csrf_token()


def install(app: Flask) -> None:
    @app.context_processor
    def _helpers() -> dict[str, Any]:
        def csrf_field() -> Markup:
            return Markup('<input type="hidden" name="csrf_token" value="{}">').format(
                escape(form_csrf_token())
            )

        def url_with(**changes: Any) -> str:
            """This page's URL with some query arguments changed (None removes one)."""
            args: dict[str, Any] = dict(request.view_args or {})
            args.update(request.args.to_dict())
            for key, value in changes.items():
                if value is None:
                    args.pop(key, None)
                else:
                    args[key] = value
            return url_for(request.endpoint or "core.home", **args)

        return {"csrf_field": csrf_field, "csrf_token_value": form_csrf_token, "url_with": url_with}

    @app.before_request
    def _ui_guards() -> ResponseReturnValue | None:
        if request.endpoint in (None, "static"):
            return None
        if request.method == "POST":
            given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token")
            if not tokens_match(form_csrf_token(), given):
                return Response(
                    render_template(
                        "errors/error.html",
                        status=400,
                        message=_l("The form expired. Reload the page and try again."),
                    ),
                    status=400,
                )
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

    def _page(status: int, message: Any) -> tuple[str, int]:
        return render_template("errors/error.html", status=status, message=message), status

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Any:
        if error.status in (502, 504):
            return _page(error.status, problem_message(error))
        if error.status == 404:
            return _page(404, PROBLEM_MESSAGES["not_found"])
        if error.status == 403:
            return _page(403, PROBLEM_MESSAGES["forbidden"])
        return _page(error.status, problem_message(error))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        if request.path.startswith("/api/"):
            from common.http.problems import problem_response

            return problem_response(error.code or 500, error.name, error.description)
        if error.code == 401:
            if g.get("cookie_refused"):
                flash(_l("Your session has ended. Please sign in again."), "info")
            return redirect(url_for("core.sign_in", next=request.full_path.rstrip("?")))
        if error.code == 404:
            return _page(404, PROBLEM_MESSAGES["not_found"])
        if error.code == 403:
            return _page(403, PROBLEM_MESSAGES["forbidden"])
        return _page(error.code or 500, error.description)
