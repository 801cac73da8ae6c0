"""Dead letters can be looked at without losing them, and replayed once the cause is fixed."""

from __future__ import annotations

import threading
from pathlib import Path

from kombu import Queue
from sqlalchemy.orm import Session

from common.messaging import topology
from common.messaging.broker import Publisher, connect
from common.messaging.consumer import ERROR_HEADER, ROUTING_KEY_HEADER, EventConsumer
from common.messaging.deadletter import list_dead_letters, replay_dead_letters
from common.messaging.envelope import Event
from tests.support.embedded_broker import stored_messages
from tests.support.event_procs import ProcessedEvent, effect_counts, record_effect, session_factory
from tests.support.waiting import wait_for


def dead_letter(url: str, namespace: str, event: Event, error: str) -> None:
    publisher = Publisher(url)
    publisher.publish(
        event.to_json(),
        exchange=topology.dead_letter_exchange(namespace),
        routing_key="dead",
        headers={ERROR_HEADER: error, ROUTING_KEY_HEADER: event.type},
        message_id=str(event.id),
    )
    publisher.close()


def test_listing_dead_letters_shows_them_oldest_first_and_leaves_them_in_the_queue(
    bootstrapped: str, namespace: str
) -> None:
    events = [Event(type="case.opened", producer="cases", data={}) for _ in range(3)]
    for n, event in enumerate(events):
        dead_letter(bootstrapped, namespace, event, f"error {n}")

    listed = list_dead_letters(bootstrapped, namespace, limit=2)

    assert [d["event_id"] for d in listed] == [str(e.id) for e in events[:2]]
    assert [d["error"] for d in listed] == ["error 0", "error 1"]
    assert {d["type"] for d in listed} == {"case.opened"}
    assert len(list_dead_letters(bootstrapped, namespace, limit=10)) == 3


def test_replay_republishes_under_the_original_type_without_failure_headers(
    bootstrapped: str, namespace: str
) -> None:
    event = Event(type="contact.logged", producer="cases", data={})  # heard by reports only
    dead_letter(bootstrapped, namespace, event, "boom")

    assert replay_dead_letters(bootstrapped, namespace) == 1

    assert list_dead_letters(bootstrapped, namespace, 10) == []
    with connect(bootstrapped) as connection:
        message = Queue(f"{namespace}.reports", channel=connection.channel()).get()
        assert message is not None
        assert Event.from_json(message.body) == event
        assert message.delivery_info["routing_key"] == "contact.logged"
        assert ERROR_HEADER not in (message.headers or {})
        message.ack()


def test_an_event_dead_lettered_by_a_bug_is_applied_after_the_fix_and_a_replay(
    tmp_path: Path, bootstrapped: str, namespace: str
) -> None:
    reports = session_factory(f"sqlite:///{tmp_path / 'reports.sqlite3'}")
    fixed = threading.Event()

    def handler(session: Session, event: Event) -> None:
        if not fixed.is_set():
            raise KeyError("unknown organisation")
        record_effect(session, event)

    consumer = EventConsumer(
        name="reports",
        session_factory=reports,
        processed_model=ProcessedEvent,
        handlers={"case.opened": handler},
        broker_url=bootstrapped,
        namespace=namespace,
        poll_seconds=0.01,
        max_attempts=1,
    )
    event = Event(type="case.opened", producer="cases", data={})
    publisher = Publisher(bootstrapped)
    publisher.publish(
        event.to_json(), exchange=topology.events_exchange(namespace), routing_key=event.type
    )
    publisher.close()
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,))
    thread.start()
    try:
        wait_for(lambda: list_dead_letters(bootstrapped, namespace, 1), what="the dead letter")
        fixed.set()
        assert replay_dead_letters(bootstrapped, namespace) == 1
        wait_for(lambda: effect_counts(reports) == (1, 1), what="the replayed event")
        wait_for(lambda: stored_messages(bootstrapped, f"{namespace}.reports") == 0)
    finally:
        stop.set()
        thread.join(5)
    assert list_dead_letters(bootstrapped, namespace, 10) == []
