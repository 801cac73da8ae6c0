"""The skeleton every back-end service app shares, built from its definition
(common.service): request ids, principal verification (401 at the service itself without
a valid token), the org gate, a per-request database session, problem answers, the audit
of refused accesses, ``/healthz``, ``/readyz``, ``/metrics``, ``/openapi.json``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask, Response, g, jsonify, request
from flask import typing as ft
from sqlalchemy.orm import Session, sessionmaker

from common.audit import AuditMixin, record_audit
from common.config import Settings
from common.db import (
    begin_immediately,
    deferred_transactions,
    is_lost_upgrade,
    transactions_deferred,
)
from common.errors import DomainError, Forbidden, NotFound, Unauthenticated
from common.http.bodylimit import BodyLimit, BodyLimits, LargerBody
from common.http.idempotency import install_idempotency
from common.http.metrics import LATENCY, REQUESTS, metrics_response
from common.http.openapi import build_openapi, endpoint_meta
from common.http.problems import (
    domain_error_response,
    problem_response,
    register_problem_handlers,
)
from common.orgdirectory import org_gate as gate_for
from common.principal import InvalidPrincipal, Principal, PrincipalVerifier, load_public_key
from common.readiness import standard_checks
from common.requestctx import REQUEST_ID_HEADER, accept_request_id, current_request_id
from common.revocation import RevocationGate
from common.revocation import revocation_gate as revocation_gate_for
from common.storage import is_storage_error

if TYPE_CHECKING:
    from common.service import Runtime, ServiceDefinition

log = logging.getLogger(__name__)

OrgGate = Callable[[Session, uuid.UUID], bool]
"""Answers False when the caller's organization may not act (e.g. it is suspended)."""

_OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/openapi.json"})
_READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class ServiceContext:
    name: str
    runtime: Runtime
    verifier: PrincipalVerifier
    deps: Any
    """What the service definition's ``dependencies`` built (see common.service)."""

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def session_factory(self) -> sessionmaker[Session]:
        return self.runtime.session_factory


def service_context() -> ServiceContext:
    from flask import current_app

    context: ServiceContext = current_app.extensions["tsunagu"]
    return context


def db() -> Session:
    """The request's session, opened on first use and closed at teardown.

    Operations commit it themselves; anything left uncommitted is rolled back."""
    session: Session | None = g.get("_db")
    if session is None:
        session = service_context().session_factory()
        g._db = session
    return session


def current_principal() -> Principal:
    principal: Principal | None = g.get("principal")
    if principal is None:
        raise Unauthenticated()
    return principal


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class _ServiceFlask(Flask):
    """Runs a read (GET/HEAD) in deferred SQLite transactions, so that reads do not queue
    behind writes for the database's write lock. A read that also writes (its audit entry)
    and finds that another transaction committed first cannot upgrade its snapshot: it is
    rolled back and run once more with the write lock taken at BEGIN. Nothing of the first
    attempt remains, so the answer and the audit log are as if it had run once."""

    def dispatch_request(self) -> ft.ResponseReturnValue:
        if not transactions_deferred():
            return super().dispatch_request()
        try:
            return super().dispatch_request()
        except sa.exc.OperationalError as error:
            if not is_lost_upgrade(error):
                raise
            session: Session | None = g.get("_db")
            if session is not None:
                session.rollback()
            begin_immediately()
            return super().dispatch_request()


def create_service_app(definition: ServiceDefinition, runtime: Runtime, deps: Any) -> Flask:
    """The service's app on ``runtime``'s database, verifying principals with the auth
    service's public key, reporting database and broker at /readyz, auditing refusals."""
    settings = runtime.settings
    name = definition.name
    verifier = PrincipalVerifier(load_public_key(settings.principal_public_key, settings.keys_dir))
    readiness_checks = standard_checks(settings, runtime.engine)
    app = _ServiceFlask(name)
    body_limits = BodyLimits(
        settings.max_body_bytes,
        tuple(
            LargerBody(method, path, settings.max_import_bytes)
            for method, path in definition.upload_routes
        ),
    )
    app.config.update(JSON_SORT_KEYS=False, MAX_CONTENT_LENGTH=body_limits.largest)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["tsunagu"] = ServiceContext(name, runtime, verifier, deps)
    register_problem_handlers(app)
    directory = definition.model("OrgDirectoryEntry")
    org_gate: OrgGate | None = gate_for(directory) if directory is not None else None
    revoked = definition.revocation_model()
    revocation_gate: RevocationGate | None = (
        revocation_gate_for(revoked) if revoked is not None else None
    )
    register_refusal_audit(app, definition.model("AuditEntry"))
    checks = dict(readiness_checks)

    @app.before_request
    def _begin() -> Response | None:
        g.started = time.perf_counter()
        if request.method in _READ_METHODS:
            g.deferred = deferred_transactions()
            g.deferred.__enter__()
        g.request_id = accept_request_id(request.headers.get(REQUEST_ID_HEADER))
        g.request_id_token = current_request_id.set(g.request_id)
        if request.path in _OPEN_PATHS:
            return None
        meta = endpoint_meta(app.view_functions.get(request.endpoint or ""))
        token = bearer_token()
        if token is None:
            if meta is not None and meta.public:
                return None
            return domain_error_response(Unauthenticated("A principal token is required"))
        try:
            principal = verifier.verify(token)
        except InvalidPrincipal:
            if meta is not None and meta.public:
                return None
            return domain_error_response(Unauthenticated("The principal token is not valid"))
        suspended = (
            org_gate is not None
            and principal.org_id is not None
            and not org_gate(db(), principal.org_id)
        )
        if suspended:
            return domain_error_response(
                Unauthenticated("The organization is suspended", code="org_suspended")
            )
        # An ended session or token, or a deactivated user (common.revocation).
        ended = revocation_gate(db(), principal) if revocation_gate is not None else None
        if ended is not None:
            return domain_error_response(Unauthenticated("This sign-in has ended", code=ended))
        g.principal = principal
        return None

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        # Answers carry personal data; nothing in between may keep a copy.
        response.headers.setdefault("Cache-Control", "no-store")
        endpoint = request.endpoint or "unknown"
        REQUESTS.labels(name, endpoint, request.method, str(response.status_code)).inc()
        started = g.get("started")
        if started is not None:
            LATENCY.labels(name, endpoint).observe(time.perf_counter() - started)
        return response

    @app.teardown_request
    def _teardown(_error: BaseException | None) -> None:
        session: Session | None = g.pop("_db", None)
        if session is not None:
            session.close()
        token = g.pop("request_id_token", None)
        if token is not None:
            current_request_id.reset(token)
        deferred = g.pop("deferred", None)
        if deferred is not None:
            deferred.__exit__(None, None, None)

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok", service=name)

    @app.get("/readyz")
    def readyz() -> tuple[Response, int]:
        failures = {}
        for check_name, check in checks.items():
            try:
                check()
            except Exception as exc:  # readiness reports every failure, whatever its kind
                failures[check_name] = type(exc).__name__
        status = 503 if failures else 200
        return jsonify(status="ready" if not failures else "not ready", failures=failures), status

    @app.get("/metrics")
    def metrics() -> Response:
        return metrics_response()

    @app.get("/openapi.json")
    def openapi() -> Response:
        return jsonify(build_openapi(app, f"Tsunagu {name} service"))

    @app.errorhandler(sa.exc.OperationalError)
    def _database_failed(error: sa.exc.OperationalError) -> Response:
        """A full or failing disk is the service's trouble, for now: 503, try again."""
        if is_storage_error(error):
            log.warning("storage failing", extra={"error_type": type(error.orig).__name__})
            response = problem_response(
                503,
                "Service unavailable",
                "The service cannot store anything right now. Try again shortly.",
                code="storage_unavailable",
            )
            response.headers["Retry-After"] = "5"
            return response
        log.exception("unhandled error", extra={"error_type": type(error).__name__})
        return problem_response(500, "Internal server error", "The server failed to answer.")

    idempotent = definition.model("IdempotentRequest")
    if idempotent is not None:
        # After the principal is known (above): keys are per caller.
        install_idempotency(app, idempotent, runtime.now, db)
    for blueprint in definition.blueprints():
        app.register_blueprint(blueprint)
    app.wsgi_app = BodyLimit(app.wsgi_app, body_limits)  # type: ignore[method-assign]
    app.extensions["body_limits"] = body_limits
    return app


def register_refusal_audit(app: Flask, audit_model: type[AuditMixin] | None) -> None:
    """Refused accesses are audited (DESIGN §3): a 404 for another tenant's id or a 403 for
    a role is written to the caller's org's log, in a transaction of its own (whatever the
    refused operation had begun is rolled back first)."""
    if audit_model is None:
        return

    @app.errorhandler(NotFound)
    @app.errorhandler(Forbidden)
    def _refused(error: DomainError) -> Response:
        principal: Principal | None = g.get("principal")
        if principal is not None and principal.org_id is not None:
            session = db()
            session.rollback()
            ids = [str(v) for v in (request.view_args or {}).values() if isinstance(v, uuid.UUID)]
            record_audit(
                session,
                audit_model,
                action=f"refused.{request.endpoint or 'unknown'}",
                resource_type="request",
                resource_id=ids[0] if ids else None,
                principal=principal,
                outcome="denied",
                details={"status": error.status, "method": request.method},
            )
            session.commit()
        return domain_error_response(error)
