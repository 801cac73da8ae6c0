"""A worker runs its parts together and stops them together."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

from common.messaging.consumer import EventConsumer
from common.messaging.relay import OutboxRelay
from common.messaging.worker import PeriodicTask, run_worker
from tests.support.event_procs import (
    EVENT_TYPE,
    OutboxEvent,
    ProcessedEvent,
    effect_counts,
    record_effect,
    session_factory,
    write_events,
)


def _sigterm_when(condition: threading.Event) -> threading.Thread:
    def send() -> None:
        if condition.wait(10):
            os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def test_a_worker_runs_its_periodic_tasks_and_stops_cleanly_on_sigterm() -> None:
    runs: list[int] = []
    enough = threading.Event()

    def tick() -> None:
        runs.append(1)
        if len(runs) >= 3:
            enough.set()

    def flaky() -> None:
        raise RuntimeError("a failing task is logged, not fatal")

    before = signal.getsignal(signal.SIGTERM)
    _sigterm_when(enough)
    code = run_worker(
        name="test",
        relay=None,
        consumer=None,
        periodic=[PeriodicTask("tick", 0.02, tick), PeriodicTask("flaky", 0.02, flaky)],
    )
    assert code == 0
    assert len(runs) >= 3
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_worker_whose_part_crashes_stops_everything_and_exits_non_zero() -> None:
    class Crashing:
        def run(self, stop: threading.Event) -> None:
            raise RuntimeError("bug")

    class Patient:
        def __init__(self) -> None:
            self.stopped = threading.Event()

        def run(self, stop: threading.Event) -> None:
            stop.wait()
            self.stopped.set()

    patient = Patient()
    code = run_worker(name="test", relay=Crashing(), consumer=patient)  # type: ignore[arg-type]
    assert code == 1
    assert patient.stopped.is_set()


def test_a_worker_with_a_relay_and_a_consumer_delivers_recorded_events(
    tmp_path: Path, bootstrapped: str, namespace: str
) -> None:
    cases = session_factory(f"sqlite:///{tmp_path / 'cases.sqlite3'}")
    reports = session_factory(f"sqlite:///{tmp_path / 'reports.sqlite3'}")
    write_events(cases, 30)
    relay = OutboxRelay(
        session_factory=cases,
        outbox_model=OutboxEvent,
        broker_url=bootstrapped,
        namespace=namespace,
        poll_seconds=0.01,
    )
    consumer = EventConsumer(
        name="reports",
        session_factory=reports,
        processed_model=ProcessedEvent,
        handlers={EVENT_TYPE: record_effect},
        broker_url=bootstrapped,
        namespace=namespace,
        poll_seconds=0.01,
    )
    done = threading.Event()
    _sigterm_when(done)

    def all_applied() -> None:
        if effect_counts(reports) == (30, 30):
            done.set()

    code = run_worker(
        name="reports",
        relay=relay,
        consumer=consumer,
        periodic=[PeriodicTask("check", 0.02, all_applied)],
    )
    assert code == 0
    assert effect_counts(reports) == (30, 30)
