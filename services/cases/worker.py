"""The cases worker: relays the outbox, consumes org.* and referral.accepted, and commits
queued spreadsheet imports."""

from __future__ import annotations

from common.config import load_settings
from common.db import make_engine, make_session_factory
from common.messaging.service_worker import run_service_worker
from common.messaging.worker import PeriodicTask
from services.cases import NAME
from services.cases.consumers import HANDLERS
from services.cases.models import OutboxEvent, ProcessedEvent
from services.cases.operations import imports

IMPORT_POLL_SECONDS = 1.0
HOUSEKEEPING_SECONDS = 600.0


def main() -> int:
    settings = load_settings()
    engine = make_engine(settings.database_url(NAME), hide_parameters=True)
    session_factory = make_session_factory(engine)
    concurrent = engine.dialect.name != "sqlite"

    def housekeeping() -> None:
        with session_factory() as session:
            imports.housekeeping(session)

    return run_service_worker(
        service=NAME,
        settings=settings,
        session_factory=session_factory,
        outbox_model=OutboxEvent,
        processed_model=ProcessedEvent,
        handlers=HANDLERS,
        periodic=[
            PeriodicTask(
                "imports",
                IMPORT_POLL_SECONDS,
                lambda: imports.run_queued(session_factory, concurrent_writes=concurrent),
            ),
            PeriodicTask("import-housekeeping", HOUSEKEEPING_SECONDS, housekeeping),
        ],
    )
