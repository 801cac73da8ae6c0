"""The cases service: persons, cases, consultations, support activities, outcomes,
consents, sensitive notes, spreadsheet imports — and the referral packet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from common.service import Runtime, ServiceDefinition

if TYPE_CHECKING:
    from common.messaging.worker import PeriodicTask

IMPORT_POLL_SECONDS = 1.0
HOUSEKEEPING_SECONDS = 600.0


def _periodic(runtime: Runtime) -> Sequence[PeriodicTask]:
    """Queued spreadsheet imports are committed by the worker, not in a web request."""
    from common.messaging.worker import PeriodicTask
    from services.cases.operations import imports

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
    ]


SERVICE = ServiceDefinition(
    name="cases", package=__name__, periodic=_periodic, upload_routes=(("POST", "/imports"),)
)
NAME = SERVICE.name
MIGRATIONS = SERVICE.migrations
create_app = SERVICE.create_app
