"""The same consumer and dead-letter behaviour on RabbitMQ as on the embedded broker."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import kombu
import pytest
from sqlalchemy.orm import Session, sessionmaker

from common.messaging import topology
from common.messaging.broker import bootstrap, connect, ping
from common.messaging.consumer import EventConsumer
from common.messaging.deadletter import list_dead_letters, replay_dead_letters
from common.messaging.envelope import Event
from common.testing.databases import unique_name
from tests.service.messaging.test_consumer import publish, running
from tests.support.event_procs import ProcessedEvent, effect_counts, record_effect, session_factory
from tests.support.waiting import wait_for

pytestmark = pytest.mark.server


@pytest.fixture
def rabbit(amqp_url: str) -> Iterator[tuple[str, str]]:
    """(broker URL, namespace) with the topology declared; deleted afterwards."""
    namespace = unique_name("rmq")
    bootstrap(amqp_url, namespace)
    yield amqp_url, namespace
    with kombu.Connection(amqp_url, connect_timeout=5) as connection:
        channel = connection.channel()
        for queue in topology.all_queues(namespace):
            queue(channel).delete()
        topology.events_exchange(namespace)(channel).delete()
        topology.dead_letter_exchange(namespace)(channel).delete()


@pytest.fixture
def reports(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    factory = session_factory(f"sqlite:///{tmp_path / 'reports.sqlite3'}")
    yield factory
    factory.kw["bind"].dispose()


def ready(url: str, queue: str) -> int:
    with connect(url) as connection:
        channel = connection.channel()
        return int(channel.queue_declare(queue, passive=True).message_count)


def consumer_for(
    factory: sessionmaker[Session], url: str, namespace: str, handler: object, attempts: int
) -> EventConsumer:
    return EventConsumer(
        name="reports",
        session_factory=factory,
        processed_model=ProcessedEvent,
        handlers={"case.opened": handler},  # type: ignore[dict-item]
        broker_url=url,
        namespace=namespace,
        max_attempts=attempts,
        retry_backoff_seconds=0.01,
    )


def test_ping_answers_for_a_live_broker_and_raises_for_a_closed_port(amqp_url: str) -> None:
    ping(amqp_url)
    with pytest.raises(ConnectionRefusedError):
        ping("amqp://guest:guest@127.0.0.1:1//", timeout=0.5)


def test_retries_then_a_dead_letter_on_rabbitmq_and_replay_after_the_fix(
    rabbit: tuple[str, str], reports: sessionmaker[Session]
) -> None:
    url, namespace = rabbit
    fixed = threading.Event()
    calls: list[int] = []

    def handler(session: Session, event: Event) -> None:
        calls.append(1)
        if not fixed.is_set():
            raise KeyError("unknown organisation")
        record_effect(session, event)

    poison = b"\x00 not an envelope"
    event = Event(type="case.opened", producer="cases", data={})
    publish(url, namespace, poison, "case.opened")
    publish(url, namespace, event.to_json(), event.type)
    with running(consumer_for(reports, url, namespace, handler, attempts=3)):
        wait_for(lambda: len(list_dead_letters(url, namespace, 10)) == 2, what="two letters")
        letters = list_dead_letters(url, namespace, 10)
        assert len(calls) == 3
        assert [d["type"] for d in letters] == ["case.opened", "case.opened"]
        assert "MalformedEvent" in letters[0]["error"]
        assert "KeyError" in letters[1]["error"]
        assert letters[1]["event_id"] == str(event.id)
        assert len(list_dead_letters(url, namespace, 10)) == 2  # listing took nothing away

        fixed.set()
        assert replay_dead_letters(url, namespace) == 2
        wait_for(lambda: effect_counts(reports) == (1, 1), what="the replayed event")
        wait_for(lambda: len(list_dead_letters(url, namespace, 10)) == 1, what="the poison")
    assert ready(url, f"{namespace}.reports") == 0
    assert effect_counts(reports) == (1, 1)


def test_a_redelivered_event_has_one_effect_on_rabbitmq(
    rabbit: tuple[str, str], reports: sessionmaker[Session]
) -> None:
    url, namespace = rabbit
    event = Event(type="case.opened", producer="cases", data={})
    for _ in range(3):
        publish(url, namespace, event.to_json(), event.type)
    with running(consumer_for(reports, url, namespace, record_effect, attempts=5)):
        wait_for(lambda: effect_counts(reports)[0] == 1, what="the effect")
        threading.Event().wait(0.3)
    assert ready(url, f"{namespace}.reports") == 0
    assert effect_counts(reports) == (1, 1)


def test_on_rabbitmq_a_year_one_envelope_is_dead_lettered_and_retries_stall_nothing(
    rabbit: tuple[str, str], reports: sessionmaker[Session]
) -> None:
    url, namespace = rabbit
    refused = Event(type="case.opened", producer="cases", data={"refuse": True})
    poison = Event(type="case.opened", producer="cases", data={}).to_dict()
    poison["occurred_at"] = "0001-01-01T00:00:00"
    good = [Event(type="case.opened", producer="cases", data={}) for _ in range(5)]

    def handler(session: Session, event: Event) -> None:
        if event.data.get("refuse"):
            raise RuntimeError("refused")
        record_effect(session, event)

    publish(url, namespace, refused.to_json(), "case.opened")
    publish(url, namespace, json.dumps(poison), "case.opened")
    for event in good:
        publish(url, namespace, event.to_json(), event.type)
    consumer = consumer_for(reports, url, namespace, handler, attempts=3)
    consumer.retry_backoff_seconds = consumer.max_retry_backoff_seconds = 60
    with running(consumer):
        wait_for(lambda: effect_counts(reports)[0] == 5, what="the events behind", timeout=20)
        letters = wait_for(lambda: list_dead_letters(url, namespace, 10), what="the poison")
    assert [d["event_id"] for d in letters] == [poison["id"]]
    assert ready(url, f"{namespace}.reports") == 1  # the refused one, back for its next try
