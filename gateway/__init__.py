"""The gateway: the web UI (Japanese first) and ``/api/v1`` routing to the services.

It authenticates the browser or API client, asks auth for a principal token and
forwards; it holds no business rules.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from flask import Flask, Request, Response, g, request
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, current_user

from common.config import Settings, load_settings
from common.http.bodylimit import BodyLimit, BodyLimits, LargerBody
from common.http.client import UpstreamTimeout, UpstreamUnavailable
from common.http.metrics import LATENCY, REQUESTS, metrics_response
from common.principal import PrincipalVerifier, load_public_key
from common.requestctx import REQUEST_ID_HEADER, accept_request_id, current_request_id
from common.servicekey import ServiceCredential, load_service_key
from gateway.identity import (
    SESSION_COOKIE,
    AuthRefused,
    AuthUnavailable,
    GatewayUser,
    IdentityResolver,
)
from gateway.security import install_security_headers
from gateway.upstreams import Upstreams, upstream_error_response

log = logging.getLogger(__name__)


def _secret_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    path = settings.keys_dir / "secret_key"
    return path.read_text().strip()


def create_app(settings: Settings | None = None, *, upstreams: Upstreams | None = None) -> Flask:
    from gateway.api import ApiApp, ApiDispatcher
    from gateway.i18n import install_i18n
    from gateway.linewebhook import LineWebhookForwarder
    from gateway.ui import auth_unavailable_page, sign_in_redirect
    from gateway.views import register_views

    settings = settings or load_settings()
    app = Flask(__name__, static_folder=str(Path(__file__).parent / "static"))
    app.config.update(
        SECRET_KEY=_secret_key(settings),
        SESSION_COOKIE_NAME="tsunagu_ui",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        # Pages: refused by Flask (a 413 page); the import page raises it per request.
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    app.extensions["settings"] = settings
    app.extensions["upstreams"] = upstreams or Upstreams(settings)
    verifier = PrincipalVerifier(load_public_key(settings.principal_public_key, settings.keys_dir))
    resolver = IdentityResolver(
        app.extensions["upstreams"].client("auth"),
        verifier,
        settings.session_cache_seconds,
        ServiceCredential(load_service_key(settings.service_key, settings.keys_dir), "gateway"),
    )
    app.extensions["identity"] = resolver

    login_manager = LoginManager(app)
    login_manager.login_view = "core.sign_in"
    login_manager.unauthorized_handler(sign_in_redirect)

    @login_manager.request_loader
    def _load(req: Request) -> GatewayUser | None:
        authorization = req.headers.get("Authorization", "")
        scheme, _, token = authorization.partition(" ")
        try:
            if scheme.lower() == "bearer" and token.strip():
                return GatewayUser(resolver.from_access_token(token.strip()))
            secret = req.cookies.get(SESSION_COOKIE)
            if secret:
                try:
                    return GatewayUser(resolver.from_session(secret))
                except AuthRefused:
                    g.cookie_refused = True
                    return None
        except AuthRefused:
            return None
        except AuthUnavailable:
            # Neither signed in nor out: the page answers 503 and the cookie stays.
            g.auth_unavailable = True
            return None
        return None

    @app.before_request
    def _begin() -> None:
        g.started = time.perf_counter()
        g.request_id = accept_request_id(request.headers.get(REQUEST_ID_HEADER))
        g.request_id_token = current_request_id.set(g.request_id)

    @app.before_request
    def _upload_limit() -> None:
        if request.method == "POST" and request.path in UPLOAD_PAGES:
            request.max_content_length = settings.max_import_bytes

    @app.before_request
    def _caller_known() -> ResponseReturnValue | None:
        if request.endpoint == "static" or request.path in ("/healthz", "/readyz", "/metrics"):
            return None
        _ = current_user.is_authenticated  # resolve the caller now, before any page runs
        if g.get("auth_unavailable"):
            return auth_unavailable_page()
        return None

    @app.errorhandler(AuthUnavailable)
    def _auth_unavailable(_error: AuthUnavailable) -> ResponseReturnValue:
        return auth_unavailable_page()

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        endpoint = request.endpoint or "unknown"
        REQUESTS.labels("gateway", endpoint, request.method, str(response.status_code)).inc()
        if (started := g.get("started")) is not None:
            LATENCY.labels("gateway", endpoint).observe(time.perf_counter() - started)
        if g.get("cookie_refused") and request.cookies.get(SESSION_COOKIE):
            response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.teardown_request
    def _teardown(_error: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            current_request_id.reset(token)

    @app.errorhandler(UpstreamUnavailable)
    @app.errorhandler(UpstreamTimeout)
    def _upstream_down(error: Exception) -> Response:
        return upstream_error_response("auth", error)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gateway"}

    @app.get("/readyz")
    def readyz() -> tuple[dict[str, object], int]:
        failures = {}
        for service in ("auth", "cases", "referrals", "reports", "line"):
            try:
                answer = app.extensions["upstreams"].client(service).request("GET", "/readyz")
                if answer.status != 200:
                    failures[service] = f"status {answer.status}"
            except (UpstreamUnavailable, UpstreamTimeout) as exc:
                failures[service] = type(exc).__name__
        return {"status": "not ready" if failures else "ready", "failures": failures}, (
            503 if failures else 200
        )

    @app.get("/metrics")
    def metrics() -> Response:
        return metrics_response()

    install_security_headers(app, secure=settings.secure_cookies)
    install_i18n(app)
    register_views(app)
    dispatcher = ApiDispatcher(
        app.wsgi_app,
        ApiApp(settings, app.extensions["upstreams"], resolver),
        LineWebhookForwarder(app.extensions["upstreams"]),
    )
    app.wsgi_app = BodyLimit(  # type: ignore[method-assign]
        dispatcher, gateway_body_limits(settings), only_under=MACHINE_PATHS
    )
    return app


MACHINE_PATHS = ("/api/", "/line/webhook/")
"""Where clients are programs: an oversized body gets a problem document before it is read."""
UPLOAD_PAGES = frozenset({"/cases/imports"})


def gateway_body_limits(settings: Settings) -> BodyLimits:
    """1 MiB (``TSUNAGU_MAX_BODY_BYTES``) for every body but a spreadsheet upload; the LINE
    webhook takes the default too (LINE's 1 MiB)."""
    return BodyLimits(
        settings.max_body_bytes,
        (LargerBody("POST", "/api/v1/imports", settings.max_import_bytes),),
    )
