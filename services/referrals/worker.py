"""The referrals worker: relays the outbox (referral.* events), applies the facts it hears
(org directory, consents, linked cases, deactivated users) and, every minute, expires
referrals past their respond-by day and flags those left unanswered to the center."""

from __future__ import annotations

from functools import partial

from common.config import load_settings
from common.db import make_engine, make_session_factory
from common.logging import configure_logging
from common.messaging.consumer import EventConsumer
from common.messaging.relay import OutboxRelay
from common.messaging.worker import PeriodicTask, run_worker
from services.referrals import NAME
from services.referrals.consumers import HANDLERS
from services.referrals.models import OutboxEvent, ProcessedEvent
from services.referrals.operations.deadlines import run_deadlines

DEADLINE_INTERVAL_SECONDS = 60.0


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
    interval = float(
        settings.extra.get("TSUNAGU_X_REFERRAL_DEADLINE_SECONDS", DEADLINE_INTERVAL_SECONDS)
    )
    deadlines = PeriodicTask(
        name="referral-deadlines",
        interval_seconds=interval,
        run=partial(run_deadlines, session_factory),
    )
    return run_worker(name=f"{NAME}-worker", relay=relay, consumer=consumer, periodic=[deadlines])
