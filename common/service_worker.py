"""The worker of a service, built from its definition (common.service): its outbox relay
(if its models have an ``OutboxEvent``), its event consumer (if its ``consumers.HANDLERS``
hear anything) and its periodic jobs — wired from settings the same way for every service."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from common.config import Settings
from common.logging import configure_logging
from common.messaging.consumer import EventConsumer
from common.messaging.relay import OutboxRelay
from common.messaging.worker import PeriodicTask, run_worker

if TYPE_CHECKING:
    # Types only: common.service imports this module when it builds a worker.
    from common.service import Runtime, ServiceDefinition

OUTBOX_KEPT = timedelta(days=7)


@dataclass(frozen=True)
class WorkerParts:
    """What a service's worker runs: built by :func:`build_worker_parts`."""

    relay: Any | None
    consumer: Any | None
    periodic: Sequence[PeriodicTask]


def build_worker_parts(definition: ServiceDefinition, runtime: Runtime) -> WorkerParts:
    settings = runtime.settings
    tasks = list(definition.periodic(runtime))
    relay = None
    outbox_model = definition.model("OutboxEvent")
    if outbox_model is not None:
        relay = OutboxRelay(
            session_factory=runtime.session_factory,
            outbox_model=outbox_model,
            broker_url=settings.broker_url,
            namespace=settings.broker_namespace,
            poll_seconds=settings.relay_poll_seconds,
        )
        prune = relay.prune_published
        tasks.append(PeriodicTask("prune-outbox", 3600, lambda: _discard(prune(OUTBOX_KEPT))))
    mail_model = definition.model("MailOutbox")
    if mail_model is not None:
        tasks.extend(_mail_tasks(runtime, mail_model))
    revoked = definition.revocation_model()
    if revoked is not None:
        tasks.append(
            PeriodicTask("prune-revocations", 3600, lambda: _prune_revocations(runtime, revoked))
        )
    idempotent = definition.model("IdempotentRequest")
    if idempotent is not None:
        tasks.append(
            PeriodicTask(
                "prune-idempotency-keys", 3600, lambda: _prune_idempotency(runtime, idempotent)
            )
        )
    consumer = None
    handlers = definition.handlers()
    if handlers:
        processed_model = definition.model("ProcessedEvent")
        if processed_model is None:
            raise TypeError(f"{definition.name} consumes events but has no ProcessedEvent model")
        consumer = EventConsumer(
            name=definition.name,
            session_factory=runtime.session_factory,
            processed_model=processed_model,
            handlers=handlers,
            broker_url=settings.broker_url,
            namespace=settings.broker_namespace,
            poll_seconds=settings.consumer_poll_seconds,
            visibility_timeout=settings.broker_visibility_timeout,
            clock=runtime.clock,
        )
        tasks.append(
            PeriodicTask(
                "prune-processed-events",
                3600,
                lambda: _prune_processed(runtime, processed_model),
            )
        )
    return WorkerParts(relay=relay, consumer=consumer, periodic=tuple(tasks))


def run_worker_parts(service: str, settings: Settings, parts: WorkerParts) -> int:
    configure_logging(f"{service}-worker", settings.log_level, settings.log_format)
    return run_worker(
        name=f"{service}-worker",
        relay=parts.relay,
        consumer=parts.consumer,
        periodic=parts.periodic,
    )


MAIL_POLL_SECONDS = 0.5


def _mail_tasks(runtime: Runtime, model: Any) -> list[PeriodicTask]:
    """A service with a ``MailOutbox`` (common.mail) sends it from its worker."""
    from common.datakey import SecretBox, load_data_key
    from common.mail import MailDelivery, transport_from_url

    settings = runtime.settings
    delivery = MailDelivery(
        session_factory=runtime.session_factory,
        model=model,
        box=SecretBox(load_data_key(settings.data_key, settings.keys_dir)),
        transport=transport_from_url(settings.mail_url),
        sender=settings.mail_from,
        clock=runtime.clock,
    )
    return [
        PeriodicTask("send-mail", MAIL_POLL_SECONDS, lambda: _discard(delivery.run_once())),
        PeriodicTask("prune-mail", 3600, lambda: _discard(delivery.prune())),
    ]


def _prune_revocations(runtime: Runtime, model: Any) -> None:
    from common.revocation import prune_revocations

    with runtime.session_factory() as session:
        prune_revocations(session, model)


def _prune_processed(runtime: Runtime, model: Any) -> None:
    from common.messaging.outbox import prune_processed

    with runtime.session_factory() as session:
        prune_processed(session, model, runtime.clock())


def _prune_idempotency(runtime: Runtime, model: Any) -> None:
    from common.idempotency import prune_idempotent_requests

    with runtime.session_factory() as session:
        prune_idempotent_requests(session, model, runtime.clock())


def _discard(_: object) -> None:
    return None
