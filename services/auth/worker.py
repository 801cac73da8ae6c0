"""The auth worker: relays the outbox (org and user events) to the broker."""

from __future__ import annotations

from common.config import load_settings
from common.db import make_engine, make_session_factory
from common.messaging.service_worker import run_service_worker
from services.auth import NAME
from services.auth.models import OutboxEvent


def main() -> int:
    settings = load_settings()
    session_factory = make_session_factory(make_engine(settings.database_url(NAME)))
    return run_service_worker(
        service=NAME, settings=settings, session_factory=session_factory, outbox_model=OutboxEvent
    )
