"""The cases service: persons, cases, consultations, support activities, outcomes,
consents, sensitive notes, spreadsheet imports — and the referral packet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from common.service import Runtime, ServiceDefinition

if TYPE_CHECKING:
    from common.messaging.worker import PeriodicTask
    from services.cases.operations import CasesDeps
    from services.cases.provisions_client import ProvisionSource

IMPORT_POLL_SECONDS = 1.0
HOUSEKEEPING_SECONDS = 600.0
RETENTION_SECONDS = 3600.0
"""Override with TSUNAGU_X_RETENTION_SECONDS (tests, demos)."""


def _dependencies(runtime: Runtime, *, provisions: ProvisionSource | None = None) -> CasesDeps:
    """``provisions`` stands in for the referrals service in tests; by default the provision
    records are asked over HTTP of ``TSUNAGU_REFERRALS_URL``."""
    from services.cases.operations import CasesDeps
    from services.cases.provisions_client import HttpProvisionSource

    settings = runtime.settings
    if provisions is None:
        provisions = HttpProvisionSource(
            settings.service_url("referrals"), timeout=settings.upstream_timeout_seconds
        )
    return CasesDeps(provisions=provisions)


def _periodic(runtime: Runtime) -> Sequence[PeriodicTask]:
    """Queued spreadsheet imports are committed by the worker, not in a web request; closed
    cases past their org's retention are removed (hourly, by the runtime's clock)."""
    from common.messaging.worker import PeriodicTask
    from services.cases.operations import imports, retention

    session_factory = runtime.session_factory
    concurrent = runtime.engine is None or runtime.engine.dialect.name != "sqlite"

    def housekeeping() -> None:
        with session_factory() as session:
            imports.housekeeping(session)

    return [
        PeriodicTask(
            "imports",
            IMPORT_POLL_SECONDS,
            lambda: imports.run_queued(session_factory, concurrent_writes=concurrent),
        ),
        PeriodicTask("import-housekeeping", HOUSEKEEPING_SECONDS, housekeeping),
        PeriodicTask(
            "case-retention",
            float(runtime.settings.extra.get("TSUNAGU_X_RETENTION_SECONDS", RETENTION_SECONDS)),
            lambda: _discard(retention.run_retention(session_factory, runtime.now())),
        ),
    ]


def _discard(_result: object) -> None:
    return None


SERVICE = ServiceDefinition(
    name="cases",
    package=__name__,
    dependencies=_dependencies,
    periodic=_periodic,
    upload_routes=(("POST", "/imports"),),
)
NAME = SERVICE.name
MIGRATIONS = SERVICE.migrations
create_app = SERVICE.create_app
