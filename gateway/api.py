"""``/api/v1`` as a plain WSGI application: sign-in and sign-out, the merged audit log,
and a pass-through proxy to the service that owns each path.

This is the gateway's hot path, so it does not go through Flask: it reads the WSGI
environ, resolves the caller (cached), checks CSRF, and forwards the body as bytes over a
kept-alive connection — never re-serialising what it only passes through.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, quote

from werkzeug.http import dump_cookie, parse_cookie

from common.config import Settings
from common.errors import FieldError
from common.http.bodylimit import MAX_JSON_DEPTH, json_too_deep
from common.http.client import UpstreamResponse, UpstreamTimeout, UpstreamUnavailable
from common.http.metrics import LATENCY, REQUESTS
from common.requestctx import REQUEST_ID_HEADER, accept_request_id, current_request_id
from gateway.auditlog import AUDIT_FILTERS, BadCursor, SourceFailed, merged_page
from gateway.identity import (
    SESSION_COOKIE,
    AuthRefused,
    AuthUnavailable,
    Identity,
    IdentityResolver,
)
from gateway.openapi import gateway_document
from gateway.routes import service_for
from gateway.security import UNSAFE_METHODS, security_headers, tokens_match
from gateway.upstreams import Upstreams

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
FORWARD_REQUEST_HEADERS = (
    ("CONTENT_TYPE", "Content-Type"),
    ("HTTP_ACCEPT", "Accept"),
    ("HTTP_ACCEPT_LANGUAGE", "Accept-Language"),
    ("HTTP_IF_NONE_MATCH", "If-None-Match"),
    ("HTTP_IF_MATCH", "If-Match"),
    ("HTTP_IDEMPOTENCY_KEY", "Idempotency-Key"),  # the service keeps the key (safe retries)
)
DROP_RESPONSE_HEADERS = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "server", "date", "content-length"}
)
# While a second factor is mandatory but not set up, only these answer.
MFA_ENROLMENT_PATHS = frozenset({"me", "me/mfa/totp", "me/mfa/totp/confirm"})
PROBLEM_JSON = "application/problem+json"
StartResponse = Callable[..., Any]


class Reply:
    """An answer being built: status, headers, body bytes."""

    def __init__(self, status: int, body: bytes = b"", content_type: str | None = None) -> None:
        self.status = status
        self.body = body
        self.headers: list[tuple[str, str]] = []
        if content_type:
            self.headers.append(("Content-Type", content_type))

    @classmethod
    def json(cls, data: Any, status: int = 200) -> Reply:
        return cls(status, json.dumps(data, ensure_ascii=False).encode(), "application/json")

    @classmethod
    def problem(
        cls, status: int, title: str, detail: str, code: str, errors: list[FieldError] | None = None
    ) -> Reply:
        body: dict[str, Any] = {
            "type": f"https://tsunagu.example/problems/{code}",
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
        }
        if errors:
            body["errors"] = [e.as_dict() for e in errors]
        return cls(status, json.dumps(body, ensure_ascii=False).encode(), PROBLEM_JSON)

    @classmethod
    def passthrough(cls, upstream: UpstreamResponse) -> Reply:
        reply = cls(upstream.status, upstream.body)
        reply.headers = [
            (k, v) for k, v in upstream.headers if k.lower() not in DROP_RESPONSE_HEADERS
        ]
        return reply


def upstream_problem(service: str, error: Exception) -> Reply:
    if isinstance(error, UpstreamTimeout):
        log.warning("upstream timed out", extra={"service": service})
        return Reply.problem(
            504,
            "Gateway timeout",
            f"The {service} service did not answer in time.",
            "upstream_timeout",
        )
    log.warning("upstream unavailable", extra={"service": service})
    return Reply.problem(
        502, "Bad gateway", f"The {service} service is not reachable.", "upstream_unavailable"
    )


AUTH_RETRY_AFTER_SECONDS = 5


def auth_unavailable() -> Reply:
    """Auth could not say who is calling: try again, still signed in (no Set-Cookie)."""
    log.warning("auth unavailable while resolving the caller")
    reply = Reply.problem(
        503,
        "Service unavailable",
        "Sign-in cannot be checked right now; you are still signed in. Try again shortly.",
        "auth_unavailable",
    )
    reply.headers.append(("Retry-After", str(AUTH_RETRY_AFTER_SECONDS)))
    return reply


class ApiApp:
    def __init__(
        self, settings: Settings, upstreams: Upstreams, resolver: IdentityResolver
    ) -> None:
        self.settings = settings
        self.upstreams = upstreams
        self.resolver = resolver
        self.headers = security_headers(secure=settings.secure_cookies)

    # --- WSGI --------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = accept_request_id(environ.get("HTTP_X_REQUEST_ID"))
        token = current_request_id.set(request_id)
        endpoint = "api.proxy"
        try:
            method = environ.get("REQUEST_METHOD", "GET").upper()
            path = _api_path(environ)
            if path is None:
                endpoint, reply = (
                    "api.bad_path",
                    Reply.problem(400, "Bad request", "The path is not valid UTF-8.", "bad_path"),
                )
            else:
                endpoint, reply = self.dispatch(environ, method, path)
        except Exception:
            log.exception("gateway API failure")
            reply = Reply.problem(500, "Internal server error", "The gateway failed.", "500")
        finally:
            current_request_id.reset(token)
        headers = reply.headers + self.headers
        headers.append((REQUEST_ID_HEADER, request_id))
        headers.append(("Content-Length", str(len(reply.body))))
        start_response(f"{reply.status} {_phrase(reply.status)}", headers)
        REQUESTS.labels(
            "gateway", endpoint, environ.get("REQUEST_METHOD", ""), str(reply.status)
        ).inc()
        LATENCY.labels("gateway", endpoint).observe(time.perf_counter() - started)
        return [reply.body]

    def dispatch(self, environ: dict[str, Any], method: str, path: str) -> tuple[str, Reply]:
        if path == "openapi.json" and method == "GET":
            return "api.openapi", Reply.json(gateway_document(PREFIX))
        if path == "session":
            if method == "POST":
                return "api.sign_in", self.sign_in(environ)
            if method == "DELETE":
                return "api.sign_out", self.sign_out(environ)
            return "api.session", Reply.problem(
                405, "Method not allowed", "Use POST or DELETE.", "405"
            )
        try:
            identity, cookie_refused = self.identify(environ)
        except AuthUnavailable:
            return "api.identify", auth_unavailable()
        if identity is not None:
            refusal = self.guard(environ, method, path, identity)
            if refusal is not None:
                return "api.guard", refusal
        if path == "audit" and method == "GET":
            return "api.audit", self.audit(environ, identity)
        reply = self.proxy(environ, method, path, identity)
        if cookie_refused:
            reply.headers.append(("Set-Cookie", self._cookie(None)))
        return "api.proxy", reply

    # --- who is calling --------------------------------------------------------------

    def identify(self, environ: dict[str, Any]) -> tuple[Identity | None, bool]:
        """The caller's identity (None if anonymous), and whether a cookie was refused."""
        scheme, _, credential = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() == "bearer" and credential.strip():
            try:
                return self.resolver.from_access_token(credential.strip()), False
            except AuthRefused:
                return None, False
        secret = parse_cookie(environ).get(SESSION_COOKIE)
        if secret:
            try:
                return self.resolver.from_session(secret), False
            except AuthRefused:
                return None, True
        return None, False

    def guard(
        self, environ: dict[str, Any], method: str, path: str, identity: Identity
    ) -> Reply | None:
        if (
            method in UNSAFE_METHODS
            and identity.via == "session"
            and not tokens_match(identity.csrf_token, environ.get("HTTP_X_CSRF_TOKEN"))
        ):
            return Reply.problem(
                403,
                "CSRF check failed",
                "Send the csrf_token from POST /session or GET /me as X-CSRF-Token.",
                "csrf_failed",
            )
        if identity.mfa_enrollment_required and path not in MFA_ENROLMENT_PATHS:
            return Reply.problem(
                403,
                "Two-step sign-in required",
                "Your organization requires two-step sign-in: set it up first.",
                "mfa_enrollment_required",
            )
        return None

    # --- sign-in and sign-out --------------------------------------------------------

    def _cookie(self, secret: str | None) -> str:
        if secret is None:
            return dump_cookie(
                SESSION_COOKIE,
                "",
                max_age=0,
                path="/",
                httponly=True,
                samesite="Lax",
                secure=self.settings.secure_cookies,
            )
        return dump_cookie(
            SESSION_COOKIE,
            secret,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=self.settings.secure_cookies,
            max_age=self.settings.session_absolute_hours * 3600,
        )

    def sign_in(self, environ: dict[str, Any]) -> Reply:
        raw = _read_body(environ) or b"{}"
        if json_too_deep(raw):
            return Reply.problem(
                422,
                "Validation failed",
                f"JSON may nest at most {MAX_JSON_DEPTH} levels",
                "validation_failed",
                [FieldError("body", "JSON nests too deep", "json_depth")],
            )
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            body = None
        if not isinstance(body, dict):
            return Reply.problem(
                422,
                "Validation failed",
                "Body must be a JSON object",
                "validation_failed",
                [FieldError("body", "Body must be a JSON object", "object_type")],
            )
        allowed = {"email", "password", "otp"}
        unknown = sorted(set(body) - allowed)
        if unknown:
            return Reply.problem(
                422,
                "Validation failed",
                "Unknown fields",
                "validation_failed",
                [FieldError(f, "Unknown field", "extra_forbidden") for f in unknown],
            )
        payload: dict[str, Any] = {k: body[k] for k in allowed if body.get(k) is not None}
        payload["client_ip"] = environ.get("REMOTE_ADDR", "")
        payload["user_agent"] = environ.get("HTTP_USER_AGENT", "")[:200]
        previous = parse_cookie(environ).get(SESSION_COOKIE)
        if previous:
            payload["previous_session_token"] = previous
        try:
            secret, identity = self.resolver.login(payload)
        except AuthRefused as refused:
            return Reply.passthrough(refused.response)
        except AuthUnavailable:
            return auth_unavailable()
        user = identity.user
        reply = Reply.json(
            {
                "user": {k: user.get(k) for k in ("id", "email", "name", "org_id", "roles")},
                "csrf_token": identity.csrf_token,
                "mfa_enrollment_required": identity.mfa_enrollment_required,
            }
        )
        reply.headers.append(("Set-Cookie", self._cookie(secret)))
        return reply

    def sign_out(self, environ: dict[str, Any]) -> Reply:
        secret = parse_cookie(environ).get(SESSION_COOKIE)
        if secret:
            try:
                identity = self.resolver.from_session(secret)
            except AuthRefused:
                identity = None
            except AuthUnavailable:
                return auth_unavailable()
            if identity is not None and not tokens_match(
                identity.csrf_token, environ.get("HTTP_X_CSRF_TOKEN")
            ):
                return Reply.problem(403, "CSRF check failed", "Send X-CSRF-Token.", "csrf_failed")
            try:
                self.resolver.logout(secret)
            except AuthUnavailable:
                return auth_unavailable()
        reply = Reply(204)
        reply.headers.append(("Set-Cookie", self._cookie(None)))
        return reply

    # --- the merged audit log --------------------------------------------------------

    def audit(self, environ: dict[str, Any], identity: Identity | None) -> Reply:
        args = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        try:
            limit = min(max(int(args.get("limit", 50)), 1), 200)
        except ValueError:
            return Reply.problem(
                422,
                "Validation failed",
                "limit must be an integer",
                "validation_failed",
                [FieldError("limit", "Must be an integer", "int_parsing")],
            )
        params = {k: v for k, v in args.items() if k in AUDIT_FILTERS}
        token = identity.principal_token if identity else None
        try:
            page = merged_page(self.upstreams, token, params, args.get("cursor"), limit)
        except BadCursor:
            return Reply.problem(
                422,
                "Validation failed",
                "Malformed cursor",
                "validation_failed",
                [FieldError("cursor", "Malformed cursor", "cursor_invalid")],
            )
        except SourceFailed as failed:
            return Reply.passthrough(failed.response)
        except (UpstreamUnavailable, UpstreamTimeout) as exc:
            return upstream_problem("audit", exc)
        return Reply.json(page)

    # --- everything else: pass through ------------------------------------------------

    def proxy(
        self, environ: dict[str, Any], method: str, path: str, identity: Identity | None
    ) -> Reply:
        service = service_for(path)
        if service is None:
            return Reply.problem(404, "Not found", "No such API path", "not_found")
        headers = {name: environ[key] for key, name in FORWARD_REQUEST_HEADERS if environ.get(key)}
        if identity is not None:
            headers["Authorization"] = f"Bearer {identity.principal_token}"
        # Forwarded percent-encoded: the upstream request line is ASCII whatever the client sent.
        target = "/" + quote(path, safe=PATH_SAFE)
        if environ.get("QUERY_STRING"):
            target += "?" + quote(_wsgi_bytes(environ["QUERY_STRING"]), safe=QUERY_SAFE)
        body = _read_body(environ) if method in UNSAFE_METHODS else None
        try:
            upstream = self.upstreams.client(service).request(
                method, target, body=body, headers=headers
            )
        except (UpstreamUnavailable, UpstreamTimeout) as exc:
            return upstream_problem(service, exc)
        return Reply.passthrough(upstream)


PATH_SAFE = "/:@!$&'()*+,;=-._~"
QUERY_SAFE = PATH_SAFE + "?%"


def _wsgi_bytes(value: str) -> bytes:
    """WSGI hands the request line's bytes over as latin-1 text (PEP 3333)."""
    return value.encode("latin-1", errors="replace")


def _api_path(environ: dict[str, Any]) -> str | None:
    """The decoded path after ``/api/v1/``, or None when its bytes are not UTF-8."""
    try:
        path_info = _wsgi_bytes(environ.get("PATH_INFO", "")).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return path_info[len(PREFIX) :].lstrip("/")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return b""
    return bytes(environ["wsgi.input"].read(length))


class ApiDispatcher:
    """Sends ``/api/v1/...`` to the lean API app and everything else to Flask."""

    def __init__(
        self,
        ui: Callable[..., Iterable[bytes]],
        api: ApiApp,
        line_webhook: Callable[..., Iterable[bytes]] | None = None,
    ) -> None:
        self.ui = ui
        self.api = api
        self.line_webhook = line_webhook
        """The LINE platform's webhook (gateway.linewebhook): no session, raw bytes."""

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return self.api(environ, start_response)
        if self.line_webhook is not None and path.startswith("/line/webhook/"):
            return self.line_webhook(environ, start_response)
        return self.ui(environ, start_response)
