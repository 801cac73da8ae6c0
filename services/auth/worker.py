"""The auth worker: relays the outbox (org and user events) to the broker."""

from __future__ import annotations

from common.config import load_settings
from common.db import make_engine, make_session_factory
from common.logging import configure_logging
from common.messaging.relay import OutboxRelay
from common.messaging.worker import run_worker
from services.auth import NAME
from services.auth.models import OutboxEvent


def main() -> int:
    settings = load_settings()
    configure_logging(f"{NAME}-worker", settings.log_level, settings.log_format)
    session_factory = make_session_factory(make_engine(settings.database_url(NAME)))
    relay = OutboxRelay(
        session_factory=session_factory,
        outbox_model=OutboxEvent,
        broker_url=settings.broker_url,
        namespace=settings.broker_namespace,
        poll_seconds=settings.relay_poll_seconds,
    )
    return run_worker(name=f"{NAME}-worker", relay=relay, consumer=None)
