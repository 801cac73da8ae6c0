"""The worker process of a service: its outbox relay, its event consumer (if it hears
anything) and its periodic jobs, wired from settings the same way for every service."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from common.config import Settings
from common.logging import configure_logging
from common.messaging.consumer import EventConsumer, Handler
from common.messaging.outbox import OutboxMixin, ProcessedEventMixin
from common.messaging.relay import OutboxRelay
from common.messaging.worker import PeriodicTask, run_worker

OUTBOX_KEPT = timedelta(days=7)


def run_service_worker(
    *,
    service: str,
    settings: Settings,
    session_factory: sessionmaker[Session],
    outbox_model: type[OutboxMixin] | None,
    processed_model: type[ProcessedEventMixin] | None = None,
    handlers: Mapping[str, Handler] | None = None,
    periodic: Sequence[PeriodicTask] = (),
) -> int:
    configure_logging(f"{service}-worker", settings.log_level, settings.log_format)
    relay = None
    tasks = list(periodic)
    if outbox_model is not None:
        relay = OutboxRelay(
            session_factory=session_factory,
            outbox_model=outbox_model,
            broker_url=settings.broker_url,
            namespace=settings.broker_namespace,
            poll_seconds=settings.relay_poll_seconds,
        )
        prune = relay.prune_published
        tasks.append(PeriodicTask("prune-outbox", 3600, lambda: _discard(prune(OUTBOX_KEPT))))
    consumer = None
    if handlers:
        assert processed_model is not None, "a consuming worker needs its ProcessedEvent model"
        consumer = EventConsumer(
            name=service,
            session_factory=session_factory,
            processed_model=processed_model,
            handlers=handlers,
            broker_url=settings.broker_url,
            namespace=settings.broker_namespace,
            poll_seconds=settings.consumer_poll_seconds,
            visibility_timeout=settings.broker_visibility_timeout,
        )
    return run_worker(name=f"{service}-worker", relay=relay, consumer=consumer, periodic=tasks)


def _discard(_: object) -> None:
    return None
