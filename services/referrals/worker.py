"""The referrals worker: relays the outbox (referral.* events), applies the facts it hears
(org directory, consents, linked cases, deactivated users) and, every minute, expires
referrals past their respond-by day, flags those left unanswered to the center and stops
any that still rely on a withdrawn consent."""

from __future__ import annotations

from common.config import load_settings
from common.db import make_engine, make_session_factory
from common.messaging.service_worker import run_service_worker
from common.messaging.worker import PeriodicTask
from services.referrals import NAME
from services.referrals.consumers import HANDLERS
from services.referrals.models import OutboxEvent, ProcessedEvent
from services.referrals.operations.deadlines import run_deadlines

DEADLINE_INTERVAL_SECONDS = 60.0
"""Override with TSUNAGU_X_REFERRAL_DEADLINE_SECONDS (tests, demos)."""


def main() -> int:
    settings = load_settings()
    session_factory = make_session_factory(make_engine(settings.database_url(NAME)))
    interval = float(
        settings.extra.get("TSUNAGU_X_REFERRAL_DEADLINE_SECONDS", DEADLINE_INTERVAL_SECONDS)
    )

    def deadlines_job() -> None:
        run_deadlines(session_factory)

    deadlines = PeriodicTask(
        name="referral-deadlines", interval_seconds=interval, run=deadlines_job
    )
    return run_service_worker(
        service=NAME,
        settings=settings,
        session_factory=session_factory,
        outbox_model=OutboxEvent,
        processed_model=ProcessedEvent,
        handlers=HANDLERS,
        periodic=[deadlines],
    )
