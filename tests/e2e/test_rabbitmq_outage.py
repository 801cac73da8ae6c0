"""Server mode: a RabbitMQ outage while events are being written loses nothing and doubles
nothing. The outage is made by a TCP proxy between the clients and the shared RabbitMQ,
which keeps running for everybody else."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import kombu
import pytest

from common.messaging import topology
from common.messaging.broker import bootstrap
from common.messaging.consumer import EventConsumer
from common.messaging.relay import OutboxRelay
from common.testing.databases import postgres_database, unique_name
from tests.support.event_procs import (
    EVENT_TYPE,
    OutboxEvent,
    ProcessedEvent,
    effect_counts,
    record_effect,
    session_factory,
    unpublished,
    write_events,
)
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.server]


def _via(url: str, port: int) -> str:
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{port}" if credentials else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


def _delete_topology(url: str, namespace: str) -> None:
    with kombu.Connection(url, connect_timeout=5) as connection:
        channel = connection.channel()
        for queue in topology.all_queues(namespace):
            queue(channel).delete()
        topology.events_exchange(namespace)(channel).delete()
        topology.dead_letter_exchange(namespace)(channel).delete()


@pytest.fixture
def namespace(amqp_url: str) -> Iterator[str]:
    name = unique_name("outage")
    yield name
    _delete_topology(amqp_url, name)


def test_every_event_arrives_exactly_once_across_a_broker_outage(
    amqp_url: str, pg_url: str, namespace: str
) -> None:
    count = 400
    upstream = urlsplit(amqp_url)
    with (
        TcpProxy(upstream.hostname or "127.0.0.1", upstream.port or 5672) as proxy,
        postgres_database(pg_url, "outage_cases") as cases_url,
        postgres_database(pg_url, "outage_reports") as reports_url,
    ):
        broker_url = _via(amqp_url, proxy.port)
        bootstrap(broker_url, namespace)
        cases, reports = session_factory(cases_url), session_factory(reports_url)
        relay = OutboxRelay(
            session_factory=cases,
            outbox_model=OutboxEvent,
            broker_url=broker_url,
            namespace=namespace,
            poll_seconds=0.02,
        )
        consumer = EventConsumer(
            name="reports",
            session_factory=reports,
            processed_model=ProcessedEvent,
            handlers={EVENT_TYPE: record_effect},
            broker_url=broker_url,
            namespace=namespace,
        )
        stop = threading.Event()
        written: list[int] = []

        def writer() -> None:
            for _ in range(count // 5):
                write_events(cases, 5, per_transaction=5)
                written.append(5)
                stop.wait(0.01)

        threads = [
            threading.Thread(target=relay.run, args=(stop,)),
            threading.Thread(target=consumer.run, args=(stop,)),
        ]
        writing = threading.Thread(target=writer)
        for thread in [*threads, writing]:
            thread.start()
        try:
            wait_for(lambda: effect_counts(reports)[0] > 50, timeout=20, what="traffic")
            proxy.cut()
            cut_at = sum(written)
            stop.wait(1.0)
            assert unpublished(cases) > 0  # events piled up in the outbox meanwhile
            proxy.restore()
            writing.join(60)
            assert cut_at < count  # the outage really happened while events were written
            wait_for(lambda: effect_counts(reports)[0] >= count, timeout=30, what="all effects")
            stop.wait(0.5)  # a late duplicate would land now
        finally:
            stop.set()
            for thread in [*threads, writing]:
                thread.join(15)
        assert effect_counts(reports) == (count, count)
        assert unpublished(cases) == 0
        for factory in (cases, reports):
            factory.kw["bind"].dispose()
