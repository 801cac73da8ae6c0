"""The cases worker: relays the outbox, consumes org.* and referral.accepted, and commits
queued spreadsheet imports."""

from __future__ import annotations

from common.config import load_settings
from common.db import make_engine, make_session_factory
from common.logging import configure_logging
from common.messaging.consumer import EventConsumer
from common.messaging.relay import OutboxRelay
from common.messaging.worker import PeriodicTask, run_worker
from services.cases import NAME
from services.cases.consumers import HANDLERS
from services.cases.models import OutboxEvent, ProcessedEvent
from services.cases.operations import imports

IMPORT_POLL_SECONDS = 1.0
HOUSEKEEPING_SECONDS = 600.0


def main() -> int:
    settings = load_settings()
    configure_logging(f"{NAME}-worker", settings.log_level, settings.log_format)
    engine = make_engine(settings.database_url(NAME), hide_parameters=True)
    session_factory = make_session_factory(engine)
    concurrent = engine.dialect.name != "sqlite"

    def housekeeping() -> None:
        with session_factory() as session:
            imports.housekeeping(session)

    relay = OutboxRelay(
        session_factory=session_factory,
        outbox_model=OutboxEvent,
        broker_url=settings.broker_url,
        namespace=settings.broker_namespace,
        poll_seconds=settings.relay_poll_seconds,
    )
    consumer = EventConsumer(
        name=NAME,
        session_factory=session_factory,
        processed_model=ProcessedEvent,
        handlers=HANDLERS,
        broker_url=settings.broker_url,
        namespace=settings.broker_namespace,
        poll_seconds=settings.consumer_poll_seconds,
        visibility_timeout=settings.broker_visibility_timeout,
    )
    return run_worker(
        name=f"{NAME}-worker",
        relay=relay,
        consumer=consumer,
        periodic=[
            PeriodicTask(
                "imports",
                IMPORT_POLL_SECONDS,
                lambda: imports.run_queued(session_factory, concurrent_writes=concurrent),
            ),
            PeriodicTask("import-housekeeping", HOUSEKEEPING_SECONDS, housekeeping),
        ],
    )
