"""The embedded broker loses nothing when processes die (DESIGN §5; MEASUREMENTS.md showed
kombu's stock SQLite transport losing a message held by a consumer killed with SIGKILL).

Real OS processes: a relay publishing from a producer's SQLite outbox, and two consumers of
the same service queue applying events into one shared SQLite database. Every test ends by
counting effect rows: exactly one per event, none missing, none doubled.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from common.messaging.broker import bootstrap
from common.testing.databases import unique_name
from tests.support import event_procs
from tests.support.embedded_broker import stored_messages
from tests.support.event_procs import effect_counts, session_factory, unpublished, write_events
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e

VISIBILITY_TIMEOUT = "1.0"


@dataclass
class Stack:
    tmp: Path
    broker_url: str
    namespace: str
    cases_url: str
    reports_url: str
    cases: sessionmaker[Session]
    reports: sessionmaker[Session]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def marker(self) -> Path:
        return self.tmp / "marker"

    def start(self, role: str, *extra: str) -> subprocess.Popen[bytes]:
        db = self.cases_url if role == "relay" else self.reports_url
        process = event_procs.spawn(
            role,
            "--db",
            db,
            "--broker",
            self.broker_url,
            "--namespace",
            self.namespace,
            "--poll-seconds",
            "0.02",
            "--visibility-timeout",
            VISIBILITY_TIMEOUT,
            *extra,
            log=self.tmp / f"{role}.log",
        )
        self.processes.append(process)
        return process

    def marked_pid(self) -> int:
        text = wait_for(
            lambda: self.marker.exists() and self.marker.read_text(),
            timeout=30,
            what="a consumer to reach the cue",
        )
        return int(text)

    def assert_every_event_applied_once(self, count: int) -> None:
        wait_for(lambda: effect_counts(self.reports)[0] >= count, timeout=45, what="all effects")
        # Let any lease still out expire and be redelivered, then look again: a late duplicate
        # would show up now.
        threading.Event().wait(float(VISIBILITY_TIMEOUT) + 0.5)
        wait_for(
            lambda: stored_messages(self.broker_url, f"{self.namespace}.reports") == 0,
            timeout=10,
            what="every message acked",
        )
        assert effect_counts(self.reports) == (count, count)
        assert unpublished(self.cases) == 0


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    broker_url = f"sqlite:///{tmp_path / 'broker.sqlite3'}"
    namespace = unique_name("kill")
    bootstrap(broker_url, namespace)
    cases_url = f"sqlite:///{tmp_path / 'cases.sqlite3'}"
    reports_url = f"sqlite:///{tmp_path / 'reports.sqlite3'}"
    stack = Stack(
        tmp=tmp_path,
        broker_url=broker_url,
        namespace=namespace,
        cases_url=cases_url,
        reports_url=reports_url,
        cases=session_factory(cases_url),
        reports=session_factory(reports_url),
    )
    try:
        yield stack
    finally:
        for process in stack.processes:
            event_procs.stop(process)
        for factory in (stack.cases, stack.reports):
            factory.kw["bind"].dispose()


def test_a_consumer_killed_while_holding_a_message_loses_nothing_and_doubles_nothing(
    stack: Stack,
) -> None:
    count = 2000
    ids = write_events(stack.cases, count, per_transaction=200)
    held = ids[count // 3]
    consumers = [
        stack.start("consumer", "--hang-on", str(held), "--marker", str(stack.marker))
        for _ in range(2)
    ]
    stack.start("relay")

    victim = stack.marked_pid()  # that consumer now holds the lease on `held`, mid-stream
    assert victim in {c.pid for c in consumers}
    assert effect_counts(stack.reports)[0] < count
    os.kill(victim, signal.SIGKILL)
    stack.start("consumer")  # its replacement, as a supervisor would start

    stack.assert_every_event_applied_once(count)
    killed = next(c for c in consumers if c.pid == victim)
    assert killed.wait(5) == -signal.SIGKILL
    survivors = [p for p in stack.processes if p is not killed]
    assert [event_procs.stop(p) for p in survivors] == [0] * len(survivors)


def test_a_consumer_killed_between_its_commit_and_its_ack_does_not_apply_twice(
    stack: Stack,
) -> None:
    count = 400
    ids = write_events(stack.cases, count)
    doomed = ids[count // 2]
    consumers = [
        stack.start("consumer", "--die-after-commit", str(doomed), "--marker", str(stack.marker))
        for _ in range(2)
    ]
    stack.start("relay")

    victim = stack.marked_pid()
    killed = next(c for c in consumers if c.pid == victim)
    assert killed.wait(10) == -signal.SIGKILL  # it killed itself right after committing

    # The survivor gets the unacked message again after the visibility timeout, finds the
    # event already processed, and only acks it.
    stack.assert_every_event_applied_once(count)


def test_a_relay_killed_while_events_are_written_delivers_everything_once_after_restart(
    stack: Stack,
) -> None:
    count = 1000
    for _ in range(2):
        stack.start("consumer")
    relay = stack.start("relay")
    written: list[int] = []

    def writer() -> None:
        for _ in range(count // 10):
            write_events(stack.cases, 10, per_transaction=10)
            written.append(10)
            threading.Event().wait(0.02)  # about 2 s of writing in all

    write_events(stack.cases, 10)
    written.append(10)
    wait_for(lambda: unpublished(stack.cases) == 0, timeout=30, what="the relay to start")
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        wait_for(lambda: sum(written) - unpublished(stack.cases) >= 200, what="relay progress")
        relay.kill()  # mid-stream: whatever it published but had not stamped goes out twice
        assert relay.wait(5) == -signal.SIGKILL
        in_flight = sum(written)
        threading.Event().wait(0.3)
        assert unpublished(stack.cases) > 0  # the writer went on while no relay ran
        stack.start("relay")
    finally:
        thread.join(60)
    assert in_flight < count  # the relay really died while events were being written

    stack.assert_every_event_applied_once(count + 10)
