"""``/api/v1``: sign-in and sign-out, the merged audit log, and a pass-through proxy
to the service that owns each path. Bodies are forwarded as bytes, never re-serialised."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, g, request
from flask_login import current_user

from common.errors import FieldError
from common.http.client import UpstreamResponse, UpstreamTimeout, UpstreamUnavailable
from common.http.problems import problem_response
from gateway.auditlog import BadCursor, SourceFailed, merged_page
from gateway.identity import SESSION_COOKIE, AuthRefused, IdentityResolver
from gateway.routes import service_for
from gateway.security import UNSAFE_METHODS, tokens_match
from gateway.upstreams import Upstreams, upstream_error_response

bp = Blueprint("api", __name__, url_prefix="/api/v1")

FORWARD_REQUEST_HEADERS = ("Content-Type", "Accept", "Accept-Language", "If-None-Match")
DROP_RESPONSE_HEADERS = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}
)
# While a second factor is mandatory but not set up, only these answer.
MFA_ENROLMENT_PATHS = ("me", "me/mfa/totp", "me/mfa/totp/confirm")


def upstreams() -> Upstreams:
    result: Upstreams = current_app.extensions["upstreams"]
    return result


def resolver() -> IdentityResolver:
    result: IdentityResolver = current_app.extensions["identity"]
    return result


def _problem(
    status: int, title: str, detail: str, code: str, errors: list[FieldError] | None = None
) -> Response:
    return problem_response(status, title, detail, code=code, errors=errors)


@bp.before_request
def _csrf_and_mfa() -> Response | None:
    if not current_user.is_authenticated:
        return None
    identity = current_user.identity
    if (
        request.method in UNSAFE_METHODS
        and identity.via == "session"
        and request.endpoint != "api.sign_in"
        and not tokens_match(identity.csrf_token, request.headers.get("X-CSRF-Token"))
    ):
        return _problem(
            403,
            "CSRF check failed",
            "Send the csrf_token from POST /session or GET /me as X-CSRF-Token.",
            "csrf_failed",
        )
    path = (request.view_args or {}).get("path", "")
    if (
        identity.mfa_enrollment_required
        and request.endpoint == "api.proxy"
        and path not in (MFA_ENROLMENT_PATHS)
    ):
        return _problem(
            403,
            "Two-step sign-in required",
            "Your organization requires two-step sign-in: set it up first.",
            "mfa_enrollment_required",
        )
    return None


def _session_cookie(response: Response, secret: str | None) -> None:
    settings = current_app.extensions["settings"]
    if secret is None:
        response.delete_cookie(
            SESSION_COOKIE, path="/", samesite="Lax", secure=settings.secure_cookies, httponly=True
        )
    else:
        response.set_cookie(
            SESSION_COOKIE,
            secret,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=settings.secure_cookies,
            max_age=settings.session_absolute_hours * 3600,
        )


def _json(data: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False), status=status, mimetype="application/json"
    )


def _passthrough(upstream: UpstreamResponse) -> Response:
    response = Response(upstream.body, status=upstream.status)
    for name, value in upstream.headers:
        if name.lower() not in DROP_RESPONSE_HEADERS:
            response.headers[name] = value
    return response


@bp.post("/session")
def sign_in() -> Response:
    try:
        body = json.loads(request.get_data() or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return _problem(
            422,
            "Validation failed",
            "Body must be a JSON object",
            "validation_failed",
            [FieldError("body", "Body must be a JSON object", "object_type")],
        )
    allowed = {"email", "password", "otp"}
    unknown = sorted(set(body) - allowed)
    if unknown:
        return _problem(
            422,
            "Validation failed",
            "Unknown fields",
            "validation_failed",
            [FieldError(f, "Unknown field", "extra_forbidden") for f in unknown],
        )
    payload = {k: body.get(k) for k in allowed if body.get(k) is not None}
    payload["client_ip"] = request.remote_addr or ""
    payload["user_agent"] = (request.user_agent.string or "")[:200]
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        payload["previous_session_token"] = previous
    try:
        secret, identity = resolver().login(payload)
    except AuthRefused as refused:
        return _passthrough(refused.response)
    user = identity.user
    response = _json(
        {
            "user": {k: user.get(k) for k in ("id", "email", "name", "org_id", "roles")},
            "csrf_token": identity.csrf_token,
            "mfa_enrollment_required": identity.mfa_enrollment_required,
        }
    )
    _session_cookie(response, secret)
    return response


@bp.delete("/session")
def sign_out() -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        resolver().logout(secret)
    response = Response(status=204)
    _session_cookie(response, None)
    return response


def _forward(service: str, path: str, query: bytes, body: bytes | None) -> UpstreamResponse:
    headers = {
        name: value for name in FORWARD_REQUEST_HEADERS if (value := request.headers.get(name))
    }
    if current_user.is_authenticated:
        headers["Authorization"] = f"Bearer {current_user.identity.principal_token}"
    target = "/" + path
    if query:
        target += "?" + query.decode("latin-1")
    return upstreams().client(service).request(request.method, target, body=body, headers=headers)


@bp.route("/<path:path>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def proxy(path: str) -> Response:
    service = service_for(path)
    if service is None:
        return _problem(404, "Not found", "No such API path", "not_found")
    body = request.get_data() if request.method in UNSAFE_METHODS else None
    try:
        upstream = _forward(service, path, request.query_string, body)
    except (UpstreamUnavailable, UpstreamTimeout) as exc:
        return upstream_error_response(service, exc)
    if upstream.status == 401 and g.get("cookie_refused"):
        response = _passthrough(upstream)
        _session_cookie(response, None)
        return response
    return _passthrough(upstream)


# --- the merged audit log --------------------------------------------------------------


@bp.get("/audit")
def audit() -> Response:
    try:
        limit = min(max(int(request.args.get("limit", 50)), 1), 200)
    except ValueError:
        return _problem(
            422,
            "Validation failed",
            "limit must be an integer",
            "validation_failed",
            [FieldError("limit", "Must be an integer", "int_parsing")],
        )
    params = {k: v for k, v in request.args.items() if k not in ("cursor", "limit")}
    token = current_user.identity.principal_token if current_user.is_authenticated else None
    try:
        page = merged_page(upstreams(), token, params, request.args.get("cursor"), limit)
    except BadCursor:
        return _problem(
            422,
            "Validation failed",
            "Malformed cursor",
            "validation_failed",
            [FieldError("cursor", "Malformed cursor", "cursor_invalid")],
        )
    except SourceFailed as failed:
        return _passthrough(failed.response)
    except (UpstreamUnavailable, UpstreamTimeout) as exc:
        return upstream_error_response("audit", exc)
    return _json(page)
