"""The reports worker: consumes events into the read model. It publishes nothing."""

from __future__ import annotations

from common.config import load_settings
from common.db import make_engine, make_session_factory
from common.logging import configure_logging
from common.messaging.consumer import EventConsumer
from common.messaging.worker import run_worker
from services.reports import NAME
from services.reports.consumers import HANDLERS
from services.reports.models import ProcessedEvent


def main() -> int:
    settings = load_settings()
    configure_logging(f"{NAME}-worker", settings.log_level, settings.log_format)
    session_factory = make_session_factory(make_engine(settings.database_url(NAME)))
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
    return run_worker(name=f"{NAME}-worker", relay=None, consumer=consumer)
