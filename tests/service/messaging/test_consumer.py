"""The consumer makes each effect exactly once and settles every message sensibly."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from common.db import TYPE_ANNOTATION_MAP, make_engine, make_session_factory, new_metadata
from common.messaging import topology
from common.messaging.broker import Publisher
from common.messaging.consumer import ATTEMPTS_HEADER, EventConsumer, Handler
from common.messaging.deadletter import list_dead_letters
from common.messaging.envelope import Event
from common.messaging.outbox import ProcessedEventMixin
from common.messaging.payloads import EventPayload, payload_of
from tests.support.embedded_broker import stored_messages
from tests.support.waiting import wait_for


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP


class Processed(ProcessedEventMixin, Base):
    pass


class Tally(Base):
    """One row per applied event; ``label`` is unique so a handler can break a constraint."""

    __tablename__ = "tally"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID]
    label: Mapped[str] = mapped_column(unique=True)


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'reports.sqlite3'}")
    Base.metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()


def tally(session: Session, event: Event) -> None:
    session.add(Tally(event_id=event.id, label=str(event.data.get("label", event.id))))


def tallied(factory: sessionmaker[Session]) -> list[uuid.UUID]:
    with factory() as session:
        return list(session.scalars(sa.select(Tally.event_id).order_by(Tally.id)))


def processed(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(Processed)) or 0)


def case_opened(**data: object) -> Event:
    return Event(type="case.opened", producer="cases", data=dict(data))


def make_consumer(
    factory: sessionmaker[Session],
    handlers: dict[str, Handler] | None = None,
    *,
    broker_url: str = "sqlite:///unused.sqlite3",
    namespace: str = "unused",
    max_attempts: int = 5,
    retry_backoff_seconds: float = 0.01,
    visibility_timeout: float = 5,
) -> EventConsumer:
    return EventConsumer(
        name="reports",
        session_factory=factory,
        processed_model=Processed,
        handlers=handlers if handlers is not None else {"case.opened": tally},
        broker_url=broker_url,
        namespace=namespace,
        poll_seconds=0.01,
        max_attempts=max_attempts,
        retry_backoff_seconds=retry_backoff_seconds,
        max_retry_backoff_seconds=max(retry_backoff_seconds, 10.0),
        visibility_timeout=visibility_timeout,
    )


# -- apply, without a broker ---------------------------------------------------------------


def test_applying_an_event_runs_its_handler_and_remembers_its_id(
    factory: sessionmaker[Session],
) -> None:
    event = case_opened()
    assert make_consumer(factory).apply(event) is True
    assert tallied(factory) == [event.id]
    assert processed(factory) == 1


def test_applying_the_same_event_twice_has_no_second_effect(
    factory: sessionmaker[Session],
) -> None:
    consumer = make_consumer(factory)
    event = case_opened()
    consumer.apply(event)
    assert consumer.apply(Event.from_json(event.to_json())) is False
    assert tallied(factory) == [event.id]


def test_two_consumers_racing_on_one_event_apply_it_once(
    factory: sessionmaker[Session],
) -> None:
    started = threading.Barrier(2)

    def slow_tally(session: Session, event: Event) -> None:
        tally(session, event)
        threading.Event().wait(0.05)

    event = case_opened()
    results: list[bool] = []

    def run() -> None:
        consumer = make_consumer(factory, {"case.opened": slow_tally})
        started.wait()
        results.append(consumer.apply(event))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert tallied(factory) == [event.id]


def test_a_failing_handler_leaves_no_trace_so_the_event_can_be_applied_later(
    factory: sessionmaker[Session],
) -> None:
    def broken(session: Session, event: Event) -> None:
        tally(session, event)
        raise RuntimeError("bug")

    event = case_opened()
    with pytest.raises(RuntimeError):
        make_consumer(factory, {"case.opened": broken}).apply(event)
    assert processed(factory) == 0
    assert make_consumer(factory).apply(event) is True
    assert tallied(factory) == [event.id]


def test_a_constraint_the_handler_breaks_is_its_error_not_a_duplicate(
    factory: sessionmaker[Session],
) -> None:
    consumer = make_consumer(factory)
    consumer.apply(case_opened(label="same"))
    with pytest.raises(sa_exc.IntegrityError):
        consumer.apply(case_opened(label="same"))
    assert processed(factory) == 1


def test_apply_does_nothing_for_a_type_without_a_handler(
    factory: sessionmaker[Session],
) -> None:
    event = Event(type="contact.logged", producer="cases", data={})
    assert make_consumer(factory).apply(event) is False
    assert processed(factory) == 0


def test_a_handler_for_a_type_the_queue_does_not_hear_is_refused_at_construction(
    factory: sessionmaker[Session],
) -> None:
    with pytest.raises(ValueError, match=r"consent\.recorded"):
        make_consumer(factory, {"consent.recorded": tally})  # heard by referrals, not reports


# -- the message flow, through the embedded broker ----------------------------------------


@contextmanager
def running(consumer: EventConsumer) -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,))
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(10)
        assert not thread.is_alive()


def publish(url: str, namespace: str, body: bytes | str, routing_key: str) -> None:
    publisher = Publisher(url)
    try:
        publisher.publish(
            body, exchange=topology.events_exchange(namespace), routing_key=routing_key
        )
    finally:
        publisher.close()


def queue_is_empty(url: str, namespace: str) -> Callable[[], bool]:
    return lambda: stored_messages(url, f"{namespace}.reports") == 0


def test_a_redelivered_event_is_acknowledged_without_a_second_effect(
    factory: sessionmaker[Session], bootstrapped: str, namespace: str
) -> None:
    event = case_opened()
    publish(bootstrapped, namespace, event.to_json(), event.type)
    publish(bootstrapped, namespace, event.to_json(), event.type)
    with running(make_consumer(factory, broker_url=bootstrapped, namespace=namespace)):
        wait_for(queue_is_empty(bootstrapped, namespace), what="both copies settled")
    assert tallied(factory) == [event.id]


def test_a_poison_message_goes_to_the_dead_letter_queue_with_the_reason(
    factory: sessionmaker[Session], bootstrapped: str, namespace: str
) -> None:
    publish(bootstrapped, namespace, b"{not json", "contact.logged")
    with running(make_consumer(factory, broker_url=bootstrapped, namespace=namespace)):
        dead = wait_for(lambda: list_dead_letters(bootstrapped, namespace, 10), what="a letter")
    assert len(dead) == 1
    assert dead[0]["body"] == "{not json"
    assert dead[0]["type"] == "contact.logged"
    assert dead[0]["queue"] == f"{namespace}.reports"
    assert "MalformedEvent" in dead[0]["error"]
    assert queue_is_empty(bootstrapped, namespace)()


def test_a_handler_that_fails_twice_then_succeeds_applies_the_event_once(
    factory: sessionmaker[Session], bootstrapped: str, namespace: str
) -> None:
    calls: list[int] = []

    def flaky(session: Session, event: Event) -> None:
        calls.append(1)
        if len(calls) <= 2:
            raise RuntimeError("not yet")
        tally(session, event)

    event = case_opened()
    publish(bootstrapped, namespace, event.to_json(), event.type)
    consumer = make_consumer(
        factory, {"case.opened": flaky}, broker_url=bootstrapped, namespace=namespace
    )
    with running(consumer):
        wait_for(lambda: tallied(factory), what="the third attempt")
        wait_for(queue_is_empty(bootstrapped, namespace), what="the ack")
    assert len(calls) == 3
    assert tallied(factory) == [event.id]
    assert list_dead_letters(bootstrapped, namespace, 10) == []


def test_a_handler_that_keeps_failing_is_dead_lettered_after_max_attempts_with_its_error(
    factory: sessionmaker[Session], bootstrapped: str, namespace: str
) -> None:
    calls: list[int] = []

    def broken(session: Session, event: Event) -> None:
        calls.append(1)
        raise LookupError("no such organisation 42")

    event = case_opened()
    publish(bootstrapped, namespace, event.to_json(), event.type)
    consumer = make_consumer(
        factory,
        {"case.opened": broken},
        broker_url=bootstrapped,
        namespace=namespace,
        max_attempts=3,
    )
    with running(consumer):
        dead = wait_for(lambda: list_dead_letters(bootstrapped, namespace, 10), what="a letter")
    assert len(calls) == 3
    assert dead[0]["event_id"] == str(event.id)
    assert dead[0]["type"] == "case.opened"
    assert dead[0]["attempts"] == 3
    assert dead[0]["headers"][ATTEMPTS_HEADER] == 3
    assert "LookupError: no such organisation 42" in dead[0]["error"]
    assert processed(factory) == 0


class _NeedsCase(EventPayload):
    case_id: uuid.UUID


def test_data_a_handler_cannot_use_is_dead_lettered_at_once_naming_the_field_not_the_value(
    factory: sessionmaker[Session], bootstrapped: str, namespace: str
) -> None:
    calls: list[int] = []

    def strict(session: Session, event: Event) -> None:
        calls.append(1)
        payload_of(event, _NeedsCase)

    event = case_opened(case_id="山田 太郎")
    publish(bootstrapped, namespace, event.to_json(), event.type)
    consumer = make_consumer(
        factory, {"case.opened": strict}, broker_url=bootstrapped, namespace=namespace
    )
    with running(consumer):
        dead = wait_for(lambda: list_dead_letters(bootstrapped, namespace, 10), what="a letter")
    assert len(calls) == 1  # no retries: no attempt could ever succeed
    assert "UnusableEvent" in dead[0]["error"]
    assert "case_id" in dead[0]["error"]
    assert "山田" not in dead[0]["error"]
    assert tallied(factory) == []


def test_an_unhandled_type_is_acknowledged_and_ignored(
    factory: sessionmaker[Session], bootstrapped: str, namespace: str
) -> None:
    event = Event(type="contact.logged", producer="cases", data={})  # bound, but no handler
    publish(bootstrapped, namespace, event.to_json(), event.type)
    with running(make_consumer(factory, broker_url=bootstrapped, namespace=namespace)):
        wait_for(queue_is_empty(bootstrapped, namespace), what="the ack")
    assert processed(factory) == 0
    assert list_dead_letters(bootstrapped, namespace, 10) == []


def test_a_database_outage_requeues_the_event_without_spending_its_attempts(
    factory: sessionmaker[Session], bootstrapped: str, namespace: str
) -> None:
    calls: list[int] = []

    def database_down_twice(session: Session, event: Event) -> None:
        calls.append(1)
        if len(calls) <= 2:
            raise sa_exc.OperationalError("INSERT ...", {}, Exception("database is locked"))
        tally(session, event)

    event = case_opened()
    publish(bootstrapped, namespace, event.to_json(), event.type)
    consumer = make_consumer(
        factory,
        {"case.opened": database_down_twice},
        broker_url=bootstrapped,
        namespace=namespace,
        max_attempts=1,  # a handler error would dead-letter at once
    )
    with running(consumer):
        wait_for(lambda: tallied(factory), what="the event after the outage")
        wait_for(queue_is_empty(bootstrapped, namespace), what="the ack")
    assert len(calls) == 3
    assert list_dead_letters(bootstrapped, namespace, 10) == []


@pytest.mark.parametrize(
    "occurred_at",
    ["0001-01-01T00:00:00", "0001-01-01T00:00:00+09:00", "9999-12-31T23:59:59-12:00", "昨日", 7],
)
def test_an_envelope_whose_date_cannot_be_read_is_dead_lettered_and_the_consumer_goes_on(
    factory: sessionmaker[Session], bootstrapped: str, namespace: str, occurred_at: object
) -> None:
    """Before: year 1 raised OverflowError out of the envelope parser and killed the reports
    worker; the lease gave the message back at once, and 46 restarts delivered nothing."""
    poison = case_opened().to_dict() | {"occurred_at": occurred_at}
    publish(bootstrapped, namespace, json.dumps(poison), "case.opened")
    real = case_opened()
    publish(bootstrapped, namespace, real.to_json(), real.type)
    with running(make_consumer(factory, broker_url=bootstrapped, namespace=namespace)):
        wait_for(lambda: tallied(factory), what="the event behind the poison")
        dead = wait_for(lambda: list_dead_letters(bootstrapped, namespace, 10), what="a letter")
    assert tallied(factory) == [real.id]
    assert [d["event_id"] for d in dead] == [poison["id"]]
    assert dead[0]["error"].startswith("MalformedEvent")
    assert dead[0]["attempts"] == 0
    assert queue_is_empty(bootstrapped, namespace)()


def test_a_body_nested_past_the_parser_is_dead_lettered(
    factory: sessionmaker[Session], bootstrapped: str, namespace: str
) -> None:
    publish(bootstrapped, namespace, "[" * 100_000, "case.opened")
    real = case_opened()
    publish(bootstrapped, namespace, real.to_json(), real.type)
    with running(make_consumer(factory, broker_url=bootstrapped, namespace=namespace)):
        wait_for(lambda: tallied(factory), what="the event behind the poison")
        dead = wait_for(lambda: list_dead_letters(bootstrapped, namespace, 10), what="a letter")
    assert "MalformedEvent" in dead[0]["error"]


def test_events_behind_one_being_retried_are_applied_while_it_waits(
    factory: sessionmaker[Session], bootstrapped: str, namespace: str
) -> None:
    """Before: the consumer slept through each refused event's backoff, so every real event
    behind ten refused ones waited (p50 19 s). Here the refused ones wait a minute between
    attempts: the real ones must not wait for that."""
    calls: list[str] = []

    def picky(session: Session, event: Event) -> None:
        calls.append(str(event.data["label"]))
        if event.data["label"].startswith("bad"):
            raise RuntimeError("refused")
        tally(session, event)

    refused = [case_opened(label=f"bad {i}") for i in range(10)]
    good = [case_opened(label=f"good {i}") for i in range(10)]
    for event in refused + good:
        publish(bootstrapped, namespace, event.to_json(), event.type)
    consumer = make_consumer(
        factory,
        {"case.opened": picky},
        broker_url=bootstrapped,
        namespace=namespace,
        retry_backoff_seconds=60,
        visibility_timeout=300,
    )
    with running(consumer):
        wait_for(lambda: len(tallied(factory)) == 10, what="the real events", timeout=20)
    assert tallied(factory) == [e.id for e in good]
    assert sorted(calls) == sorted(str(e.data["label"]) for e in refused + good)  # once each
    # Stopped while they waited: back in the queue, their attempt not spent, none dead.
    assert stored_messages(bootstrapped, f"{namespace}.reports") == 10
    assert list_dead_letters(bootstrapped, namespace, 20) == []


def test_past_the_parking_room_a_failed_message_is_republished_at_once(
    factory: sessionmaker[Session], bootstrapped: str, namespace: str
) -> None:
    """The parking room is bounded: past it a retry does not wait, and its tries are still
    bounded, so it reaches the dead-letter queue."""

    def broken(session: Session, event: Event) -> None:
        raise RuntimeError("refused")

    consumer = make_consumer(
        factory,
        {"case.opened": broken},
        broker_url=bootstrapped,
        namespace=namespace,
        max_attempts=3,
        retry_backoff_seconds=60,
        visibility_timeout=300,
    )
    consumer.max_parked = 0
    events = [case_opened() for _ in range(3)]
    for event in events:
        publish(bootstrapped, namespace, event.to_json(), event.type)
    with running(consumer):
        dead = wait_for(
            lambda: (d := list_dead_letters(bootstrapped, namespace, 10)) and len(d) == 3 and d,
            what="three letters",
        )
    assert sorted(d["event_id"] for d in dead) == sorted(str(e.id) for e in events)
    assert {d["attempts"] for d in dead} == {3}
