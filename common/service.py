"""One definition per service, from which its web app, its worker and its test fixtures are
all built the same way.

A service package declares, in its ``__init__.py``::

    SERVICE = ServiceDefinition(name="cases", package=__name__, dependencies=_deps)
    NAME, MIGRATIONS, create_app = SERVICE.name, SERVICE.migrations, SERVICE.create_app

and keeps the conventional modules the definition looks for (docs/conventions.md):

- ``models.py``: ``AuditEntry`` (required), ``OutboxEvent`` if it publishes,
  ``ProcessedEvent`` if it consumes, ``OrgDirectoryEntry`` if it keeps the org directory
  (then a suspended org's principals are refused at every request);
- ``api.py``: ``bp``, the service's one blueprint;
- ``consumers.py``: ``HANDLERS`` (event type → handler), if it hears events.

Everything else is the same for every service and lives here: the engine (statement
parameters hidden from errors and logs, web and worker alike), the clock, the service's
dependencies (``dependencies(runtime, **overrides)``, reachable in views through
:func:`dependencies`), the worker's relay, consumer and periodic jobs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from common.clock import Clock, utcnow
from common.config import Settings, load_settings

if TYPE_CHECKING:
    from flask import Blueprint, Flask

    from common.messaging.consumer import Handler
    from common.messaging.worker import PeriodicTask
    from common.service_worker import WorkerParts

T = TypeVar("T")


@dataclass(frozen=True)
class Runtime:
    """What a service's parts are built from, identical in its web app, worker and tests."""

    service: str
    settings: Settings
    session_factory: sessionmaker[Session]
    clock: Clock = utcnow
    """Every rule that depends on "now" asks this; tests pass a clock they can move."""
    engine: Engine | None = None
    """None when a test hands in its own session factory."""

    def now(self) -> datetime:
        return self.clock()


DependencyBuilder = Callable[..., Any]
"""``(runtime, **overrides) -> deps``: the service's own collaborators (signers, clients of
other services, policies), built once per app or worker."""

PeriodicBuilder = Callable[[Runtime], Sequence["PeriodicTask"]]


def _no_periodic(_runtime: Runtime) -> Sequence[PeriodicTask]:
    return ()


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    package: str
    """The service's package, e.g. ``services.cases``."""
    dependencies: DependencyBuilder | None = None
    periodic: PeriodicBuilder = field(default=_no_periodic)
    """The worker's scheduled jobs (expiry, imports, retention …)."""
    upload_routes: tuple[tuple[str, str], ...] = ()
    """(method, path) of routes that take a file: their body may be as large as
    ``TSUNAGU_MAX_IMPORT_BYTES``; every other body at most ``TSUNAGU_MAX_BODY_BYTES``."""

    # --- the conventional modules ---------------------------------------------------------

    @cached_property
    def migrations(self) -> Path:
        return Path(str(self._module().__file__)).parent / "migrations"

    def _module(self, suffix: str = "") -> ModuleType:
        return importlib.import_module(self.package + suffix)

    def _optional_module(self, suffix: str) -> ModuleType | None:
        try:
            return importlib.import_module(self.package + suffix)
        except ModuleNotFoundError as exc:
            if exc.name != self.package + suffix:
                raise
            return None

    @property
    def models(self) -> ModuleType:
        return self._module(".models")

    def model(self, name: str) -> Any | None:
        return getattr(self.models, name, None)

    def blueprints(self) -> list[Blueprint]:
        return [self._module(".api").bp]

    def handlers(self) -> Mapping[str, Handler]:
        """The service's ``consumers.HANDLERS``, plus the revocation directory's handlers
        when it keeps one (both run for a type both hear, e.g. ``user.deactivated``)."""
        consumers = self._optional_module(".consumers")
        own: dict[str, Handler] = dict(getattr(consumers, "HANDLERS", {})) if consumers else {}
        revoked = self.revocation_model()
        if revoked is None:
            return own
        from common.revocation import revocation_handlers

        merged = dict(own)
        for event_type, handler in revocation_handlers(revoked).items():
            merged[event_type] = _both(handler, own[event_type]) if event_type in own else handler
        return merged

    def revocation_model(self) -> Any | None:
        """``RevokedCredential`` (common.revocation) — required of every service that hears
        events, so that it refuses an ended credential's principal tokens by construction.
        Auth, which holds the credentials themselves, checks its own tables instead."""
        model = self.model("RevokedCredential")
        if model is None and self.name != "auth" and self.model("ProcessedEvent") is not None:
            raise TypeError(
                f"{self.name} hears events but keeps no revocation directory: declare "
                "class RevokedCredential(RevokedCredentialMixin, Base) in its models"
            )
        return model

    # --- building ---------------------------------------------------------------------------

    def runtime(
        self,
        settings: Settings | None = None,
        *,
        session_factory: sessionmaker[Session] | None = None,
        clock: Clock | None = None,
    ) -> Runtime:
        from common.db import make_engine, make_session_factory

        settings = settings or load_settings()
        engine = None
        if session_factory is None:
            # Statement parameters carry names and notes: keep them out of errors and logs.
            engine = make_engine(settings.database_url(self.name), hide_parameters=True)
            session_factory = make_session_factory(engine)
        return Runtime(self.name, settings, session_factory, clock or utcnow, engine)

    def build_dependencies(self, runtime: Runtime, **overrides: Any) -> Any:
        if self.dependencies is None:
            if overrides:
                raise TypeError(f"{self.name} takes no dependency overrides: {sorted(overrides)}")
            return None
        return self.dependencies(runtime, **overrides)

    def create_app(
        self,
        settings: Settings | None = None,
        *,
        session_factory: sessionmaker[Session] | None = None,
        clock: Clock | None = None,
        **overrides: Any,
    ) -> Flask:
        """The web app. Tests pass ``session_factory`` (a savepoint per test), ``clock`` and
        stand-ins for the service's dependencies by keyword (e.g. ``packet_source=``)."""
        runtime = self.runtime(settings, session_factory=session_factory, clock=clock)
        return self.app_for(runtime, **overrides)

    def app_for(self, runtime: Runtime, **overrides: Any) -> Flask:
        """The web app on an existing runtime — the embedded process shares one engine
        between its web app and its worker."""
        from common.http.service import create_service_app

        return create_service_app(self, runtime, self.build_dependencies(runtime, **overrides))

    def worker_parts(self, runtime: Runtime) -> WorkerParts:
        """The relay (if the service publishes), the consumer (if it hears events) and the
        periodic jobs, built from the same runtime the web app uses."""
        from common.service_worker import build_worker_parts

        return build_worker_parts(self, runtime)

    def run_worker(self, settings: Settings | None = None) -> int:
        """The worker process: until SIGTERM/SIGINT; the exit code tells the supervisor."""
        from common.service_worker import run_worker_parts

        runtime = self.runtime(settings)
        return run_worker_parts(self.name, runtime.settings, self.worker_parts(runtime))


def _both(first: Handler, second: Handler) -> Handler:
    def handle(session: Session, event: Any) -> None:
        first(session, event)
        second(session, event)

    return handle


def dependencies(expected: type[T]) -> T:
    """The current service app's dependencies, as built by its definition."""
    from common.http.service import service_context

    deps = service_context().deps
    if not isinstance(deps, expected):
        raise TypeError(f"this service's dependencies are {type(deps).__name__}")
    return deps
