"""The one place that names the exchange, every queue, every binding and the
dead-letter route (STYLE habit 6).

Every process declares the whole topology (MEASUREMENTS.md: kombu's virtual
transports keep bindings per process otherwise). Names are prefixed with the
broker namespace so that two stacks — or two test runs — can share one RabbitMQ.
Bindings use exact event types: ``x.#`` does not match ``x`` on kombu's virtual
exchanges although it does on RabbitMQ.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from kombu import Exchange, Queue

ORG_EVENTS = ("org.registered", "org.updated", "org.suspended", "org.reinstated")
CASE_LIFECYCLE = ("case.opened", "case.closed", "case.reopened")
REFERRAL_EVENTS = (
    "referral.sent",
    "referral.viewed",
    "referral.accepted",
    "referral.declined",
    "referral.withdrawn",
    "referral.completed",
    "referral.expired",
)
LINE_EVENTS = ("line.followed", "line.unfollowed", "line.message_received")

SUBSCRIPTIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "cases": (*ORG_EVENTS, "referral.accepted", *LINE_EVENTS),
        "referrals": (
            *ORG_EVENTS,
            "user.deactivated",
            *CASE_LIFECYCLE,
            "outcome.recorded",
            "consent.recorded",
            "consent.withdrawn",
        ),
        "line": ORG_EVENTS,
        "reports": (
            *ORG_EVENTS,
            *CASE_LIFECYCLE,
            "case.stage_changed",
            "contact.logged",
            "activity.recorded",
            "outcome.recorded",
            *REFERRAL_EVENTS,
            *LINE_EVENTS,
        ),
    }
)
"""Which event types each consuming service hears (DESIGN §4)."""


EVERY_SERVICE_HEARS = ("session.revoked", "token.revoked", "user.deactivated", "user.reactivated")
"""Ended credentials (common.revocation): every consuming service keeps a revocation
directory, so its queue is bound to these whatever else it hears."""


def bindings(service: str) -> tuple[str, ...]:
    """Every type a service's queue is bound to: its own subscriptions and the shared ones."""
    return tuple(dict.fromkeys((*SUBSCRIPTIONS[service], *EVERY_SERVICE_HEARS)))


def events_exchange(namespace: str) -> Exchange:
    return Exchange(f"{namespace}.events", type="topic", durable=True)


def dead_letter_exchange(namespace: str) -> Exchange:
    return Exchange(f"{namespace}.dead", type="direct", durable=True)


def dead_letter_queue(namespace: str) -> Queue:
    return Queue(
        f"{namespace}.dead-letter",
        exchange=dead_letter_exchange(namespace),
        routing_key="dead",
        durable=True,
    )


def service_queue(namespace: str, service: str) -> Queue:
    """The durable queue of one consuming service, bound to each type it hears."""
    from kombu import binding

    exchange = events_exchange(namespace)
    return Queue(
        f"{namespace}.{service}",
        exchange=exchange,
        bindings=[binding(exchange, routing_key=t) for t in bindings(service)],
        durable=True,
    )


def all_queues(namespace: str) -> list[Queue]:
    return [service_queue(namespace, s) for s in SUBSCRIPTIONS] + [dead_letter_queue(namespace)]
