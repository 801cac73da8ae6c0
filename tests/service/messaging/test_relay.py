"""The relay publishes every outbox row in order, stamps it only once the broker has it, and
waits out a broker outage without dropping anything."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import kombu
import pytest
import sqlalchemy as sa
from kombu import Queue
from sqlalchemy.orm import Session, sessionmaker

from common.clock import utcnow
from common.messaging.broker import bootstrap, connect
from common.messaging.relay import OutboxRelay
from common.testing.databases import postgres_database
from tests.support.embedded_broker import stored_messages
from tests.support.event_procs import OutboxEvent, session_factory, unpublished, write_events
from tests.support.waiting import wait_for


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    return session_factory(f"sqlite:///{tmp_path / 'cases.sqlite3'}")


def make_relay(
    factory: sessionmaker[Session], broker_url: str, namespace: str, batch_size: int = 200
) -> OutboxRelay:
    return OutboxRelay(
        session_factory=factory,
        outbox_model=OutboxEvent,
        broker_url=broker_url,
        namespace=namespace,
        poll_seconds=0.01,
        batch_size=batch_size,
    )


def drain(url: str, queue: str) -> Iterator[kombu.Message]:
    with connect(url) as connection:
        channel = connection.channel()
        while (message := Queue(queue, channel=channel).get(no_ack=False)) is not None:
            message.ack()
            yield message


def test_one_pass_publishes_pending_events_in_outbox_order_and_stamps_them(
    factory: sessionmaker[Session], bootstrapped: str, namespace: str
) -> None:
    ids = write_events(factory, 5, per_transaction=2)
    relay = make_relay(factory, bootstrapped, namespace)

    assert relay.publish_pending() == 5
    assert unpublished(factory) == 0
    assert relay.publish_pending() == 0

    with factory() as session:
        bodies = list(session.scalars(sa.select(OutboxEvent.body).order_by(OutboxEvent.seq)))
    messages = list(drain(bootstrapped, f"{namespace}.reports"))
    assert [m.body.decode() for m in messages] == bodies
    assert [m.properties["message_id"] for m in messages] == [str(i) for i in ids]
    assert {m.delivery_info["routing_key"] for m in messages} == {"case.opened"}
    relay.publisher.close()


def test_a_pass_publishes_at_most_one_batch(
    factory: sessionmaker[Session], bootstrapped: str, namespace: str
) -> None:
    write_events(factory, 5)
    relay = make_relay(factory, bootstrapped, namespace, batch_size=3)
    assert relay.publish_pending() == 3
    assert relay.publish_pending() == 2
    relay.publisher.close()


def test_an_unreachable_broker_fails_the_pass_and_stamps_nothing(
    factory: sessionmaker[Session], tmp_path: Path, namespace: str
) -> None:
    url = f"sqlite:///{tmp_path / 'not-yet' / 'broker.sqlite3'}"  # its folder does not exist
    write_events(factory, 3)
    relay = make_relay(factory, url, namespace)

    with pytest.raises(relay.publisher.errors):
        relay.publish_pending()
    assert unpublished(factory) == 3
    with factory() as session:
        assert session.scalar(sa.select(OutboxEvent.attempts).order_by(OutboxEvent.seq)) == 1

    bootstrap(url, namespace)
    assert relay.publish_pending() == 3
    assert stored_messages(url, f"{namespace}.reports") == 3
    relay.publisher.close()


def test_the_relay_loop_waits_for_the_broker_and_then_publishes_everything(
    factory: sessionmaker[Session], tmp_path: Path, namespace: str
) -> None:
    url = f"sqlite:///{tmp_path / 'later' / 'broker.sqlite3'}"
    relay = make_relay(factory, url, namespace)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,))
    thread.start()
    try:
        write_events(factory, 50)
        threading.Event().wait(0.3)
        assert unpublished(factory) == 50
        bootstrap(url, namespace)
        wait_for(lambda: unpublished(factory) == 0, timeout=10, what="the backlog")
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert stored_messages(url, f"{namespace}.reports") == 50


def test_pruning_deletes_only_rows_published_long_enough_ago(
    factory: sessionmaker[Session], bootstrapped: str, namespace: str
) -> None:
    write_events(factory, 4)
    relay = make_relay(factory, bootstrapped, namespace, batch_size=3)
    relay.publish_pending()  # three published, one pending
    with factory() as session, session.begin():
        first = session.scalar(sa.select(sa.func.min(OutboxEvent.seq)))
        session.execute(
            sa.update(OutboxEvent)
            .where(OutboxEvent.seq == first)
            .values(published_at=utcnow() - timedelta(days=8))
        )

    assert relay.prune_published(older_than=timedelta(days=7)) == 1
    with factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)) == 3
    assert unpublished(factory) == 1
    relay.publisher.close()


@pytest.mark.server
def test_relay_replicas_on_postgresql_never_publish_the_same_row_twice(
    pg_url: str, bootstrapped: str, namespace: str
) -> None:
    with postgres_database(pg_url, "relay_replicas") as url:
        factory = session_factory(url)
        write_events(factory, 600, per_transaction=200)
        relays = [make_relay(factory, bootstrapped, namespace, batch_size=50) for _ in range(3)]
        counts: list[int] = []

        def replica(relay: OutboxRelay) -> None:
            total = 0
            while n := relay.publish_pending():
                total += n
            counts.append(total)
            relay.publisher.close()

        threads = [threading.Thread(target=replica, args=(r,)) for r in relays]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert unpublished(factory) == 0
        factory.kw["bind"].dispose()
    assert sum(counts) == 600
    assert stored_messages(bootstrapped, f"{namespace}.reports") == 600
