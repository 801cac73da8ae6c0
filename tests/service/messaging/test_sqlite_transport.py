"""The embedded transport keeps what kombu's stock SQLite transport loses (MEASUREMENTS.md)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import kombu
import pytest
from kombu import Exchange, Producer, Queue

from common.messaging import topology
from common.messaging.broker import bootstrap, connect, sqlite_path
from tests.support.embedded_broker import stored_messages
from tests.support.event_procs import REPO_ROOT
from tests.support.waiting import wait_for


@pytest.fixture
def connections(bootstrapped: str) -> Iterator[list[kombu.Connection]]:
    """Connections opened by a test, released after it; visibility timeout 0.5 s."""
    opened: list[kombu.Connection] = []
    yield opened
    for connection in opened:
        connection.release()


def _open(url: str, opened: list[kombu.Connection], vt: float = 0.5) -> kombu.Connection:
    connection = connect(url, visibility_timeout=vt, poll_seconds=0.01)
    opened.append(connection)
    return connection


def _publish(connection: kombu.Connection, namespace: str, routing_key: str, body: str) -> None:
    producer = Producer(connection.channel(), auto_declare=False)
    producer.publish(
        body,
        exchange=topology.events_exchange(namespace),
        routing_key=routing_key,
        content_type="application/json",
        content_encoding="utf-8",
    )


def _ready(connection: kombu.Connection, queue: str) -> int:
    channel = connection.channel()
    try:
        return int(channel.queue_declare(queue, passive=True).message_count)
    finally:
        channel.close()


def test_a_publisher_that_declared_nothing_routes_by_the_bindings_another_process_persisted(
    bootstrapped: str, namespace: str, connections: list[kombu.Connection]
) -> None:
    publisher = _open(bootstrapped, connections)  # a fresh connection: no declarations at all
    _publish(publisher, namespace, "contact.logged", '{"n": 1}')

    reader = _open(bootstrapped, connections)
    assert _ready(reader, f"{namespace}.reports") == 1
    # contact.logged is heard by reports only (topology.SUBSCRIPTIONS)
    assert _ready(reader, f"{namespace}.cases") == 0
    assert _ready(reader, f"{namespace}.referrals") == 0


def test_a_topic_exchange_routes_one_event_to_every_queue_bound_to_its_exact_type(
    bootstrapped: str, namespace: str, connections: list[kombu.Connection]
) -> None:
    connection = _open(bootstrapped, connections)
    _publish(connection, namespace, "case.opened", "{}")  # heard by referrals and reports
    _publish(connection, namespace, "case", "{}")  # no binding matches a prefix

    assert _ready(connection, f"{namespace}.reports") == 1
    assert _ready(connection, f"{namespace}.referrals") == 1
    assert _ready(connection, f"{namespace}.cases") == 0


def test_acked_messages_are_deleted_so_the_file_does_not_grow(
    bootstrapped: str, namespace: str, connections: list[kombu.Connection]
) -> None:
    connection = _open(bootstrapped, connections)
    for n in range(20):
        _publish(connection, namespace, "contact.logged", f'{{"n": {n}}}')
    assert stored_messages(bootstrapped) == 20
    channel = connection.channel()
    queue = Queue(f"{namespace}.reports", channel=channel)
    bodies = []
    while (message := queue.get(no_ack=False)) is not None:
        bodies.append(message.body)
        message.ack()

    assert bodies == [f'{{"n": {n}}}'.encode() for n in range(20)]  # FIFO
    assert stored_messages(bootstrapped) == 0


def test_a_leased_message_is_hidden_until_its_visibility_timeout_passes(
    bootstrapped: str, namespace: str, connections: list[kombu.Connection]
) -> None:
    first = _open(bootstrapped, connections, vt=0.5)
    second = _open(bootstrapped, connections, vt=0.5)
    _publish(first, namespace, "contact.logged", "{}")
    queue_name = f"{namespace}.reports"

    leased = Queue(queue_name, channel=first.channel()).get(no_ack=False)
    assert leased is not None
    assert not leased.delivery_info["redelivered"]
    assert Queue(queue_name, channel=second.channel()).get(no_ack=False) is None

    again = wait_for(
        lambda: Queue(queue_name, channel=second.channel()).get(no_ack=False),
        timeout=3,
        what="the lease to expire",
    )
    assert again.body == leased.body
    assert again.delivery_info["redelivered"]


def test_a_late_ack_after_the_lease_was_taken_over_leaves_the_message_to_its_new_holder(
    bootstrapped: str, namespace: str, connections: list[kombu.Connection]
) -> None:
    slow = _open(bootstrapped, connections, vt=0.2)
    fast = _open(bootstrapped, connections, vt=30)
    _publish(slow, namespace, "contact.logged", "{}")
    queue_name = f"{namespace}.reports"
    stale = Queue(queue_name, channel=slow.channel()).get(no_ack=False)
    assert stale is not None
    current = wait_for(
        lambda: Queue(queue_name, channel=fast.channel()).get(no_ack=False), timeout=3
    )

    stale.ack()
    assert stored_messages(bootstrapped) == 1  # kept: its new holder may yet requeue it
    current.ack()
    assert stored_messages(bootstrapped) == 0


def test_reject_with_requeue_puts_the_message_back_at_the_head_and_without_it_deletes_it(
    bootstrapped: str, namespace: str, connections: list[kombu.Connection]
) -> None:
    connection = _open(bootstrapped, connections)
    _publish(connection, namespace, "contact.logged", "first")
    _publish(connection, namespace, "contact.logged", "second")
    queue = Queue(f"{namespace}.reports", channel=connection.channel())

    head = queue.get(no_ack=False)
    assert head is not None
    head.requeue()
    again = queue.get(no_ack=False)
    assert again is not None
    assert again.body == b"first"
    again.reject()
    last = queue.get(no_ack=False)
    assert last is not None
    assert last.body == b"second"
    last.ack()
    assert stored_messages(bootstrapped) == 0


def test_closing_a_channel_releases_its_leases_without_copying_them_into_other_queues(
    bootstrapped: str, namespace: str, connections: list[kombu.Connection]
) -> None:
    connection = _open(bootstrapped, connections, vt=60)
    _publish(connection, namespace, "case.opened", "{}")  # one copy each: referrals, reports
    channel = connection.channel()
    taken = Queue(f"{namespace}.reports", channel=channel).get(no_ack=False)
    assert taken is not None
    assert _ready(connection, f"{namespace}.reports") == 0

    channel.close()

    # visible again at once (not after 60 s), and referrals still holds exactly one copy
    assert _ready(connection, f"{namespace}.reports") == 1
    assert _ready(connection, f"{namespace}.referrals") == 1
    assert stored_messages(bootstrapped) == 2


def test_a_consumer_killed_with_sigkill_holding_a_message_gives_it_back_after_the_timeout(
    bootstrapped: str, namespace: str, connections: list[kombu.Connection], tmp_path: Path
) -> None:
    connection = _open(bootstrapped, connections)
    _publish(connection, namespace, "contact.logged", "precious")
    script = textwrap.dedent(
        f"""
        import sys, time
        from kombu import Queue
        from common.messaging.broker import connect
        connection = connect({bootstrapped!r}, visibility_timeout=1.0)
        message = Queue({namespace + ".reports"!r}, channel=connection.channel()).get()
        print(message.body.decode(), flush=True)
        time.sleep(60)
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == b"precious"
            assert _ready(connection, f"{namespace}.reports") == 0
            holder.kill()
            assert holder.wait(10) == -9
        finally:
            holder.kill()

    queue = Queue(f"{namespace}.reports", channel=connection.channel())
    back = wait_for(lambda: queue.get(no_ack=False), timeout=5, what="redelivery")
    assert back.body == b"precious"
    assert back.delivery_info["redelivered"]


def test_several_processes_starting_at_once_on_a_new_file_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh' / 'broker.sqlite3'}"
    script = f"from common.messaging.broker import bootstrap; bootstrap({url!r}, 'race')"
    starters = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            cwd=REPO_ROOT,
            env={"PYTHONPATH": str(REPO_ROOT)},
            stderr=subprocess.PIPE,
        )
        for _ in range(6)
    ]
    results = [(p.communicate(timeout=30)[1], p.returncode) for p in starters]
    assert results == [(b"", 0)] * 6
    db = sqlite3.connect(sqlite_path(url))
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        queues = {r[0] for r in db.execute("SELECT name FROM broker_queue")}
    finally:
        db.close()
    assert queues == {q.name for q in topology.all_queues("race")}


def test_bootstrap_twice_changes_nothing(bootstrapped: str, namespace: str) -> None:
    def snapshot() -> list[tuple[str, ...]]:
        db = sqlite3.connect(sqlite_path(bootstrapped))
        try:
            return sorted(db.execute("SELECT * FROM broker_binding").fetchall())
        finally:
            db.close()

    before = snapshot()
    bootstrap(bootstrapped, namespace)
    assert snapshot() == before
    assert len(before) == sum(len(topology.bindings(s)) for s in topology.SUBSCRIPTIONS) + 1


def test_the_polling_interval_is_set_on_the_transport(bootstrapped: str) -> None:
    with connect(bootstrapped, poll_seconds=0.01) as connection:
        assert connection.transport.polling_interval == 0.01


def test_an_idle_consumer_sees_a_new_message_within_a_few_polling_intervals(
    bootstrapped: str, namespace: str, connections: list[kombu.Connection]
) -> None:
    consumer_connection = _open(bootstrapped, connections)
    received: list[float] = []
    channel = consumer_connection.channel()
    consumer = kombu.Consumer(
        channel,
        queues=[Queue(f"{namespace}.reports", channel=channel)],
        on_message=lambda m: (received.append(time.monotonic()), m.ack()),
        auto_declare=False,
    )
    consumer.consume()
    sent = time.monotonic()
    _publish(_open(bootstrapped, connections), namespace, "contact.logged", "{}")
    consumer_connection.drain_events(timeout=2)
    assert received
    assert received[0] - sent < 0.5


def test_a_fanout_exchange_copies_to_every_bound_queue(
    bootstrapped: str, connections: list[kombu.Connection]
) -> None:
    connection = _open(bootstrapped, connections)
    channel = connection.channel()
    fanout = Exchange("broadcast", type="fanout")
    for name in ("left", "right"):
        Queue(name, exchange=fanout, routing_key="", channel=channel).declare()
    Producer(_open(bootstrapped, connections).channel(), auto_declare=False).publish(
        "hi", exchange="broadcast", routing_key="anything"
    )
    assert _ready(connection, "left") == 1
    assert _ready(connection, "right") == 1


def test_no_ack_gets_remove_the_message_immediately(
    bootstrapped: str, namespace: str, connections: list[kombu.Connection]
) -> None:
    connection = _open(bootstrapped, connections)
    _publish(connection, namespace, "contact.logged", "{}")
    message = Queue(f"{namespace}.reports", channel=connection.channel()).get(no_ack=True)
    assert message is not None
    assert stored_messages(bootstrapped) == 0


def test_purge_removes_ready_messages_but_not_leased_ones(
    bootstrapped: str, namespace: str, connections: list[kombu.Connection]
) -> None:
    connection = _open(bootstrapped, connections, vt=60)
    for _ in range(3):
        _publish(connection, namespace, "contact.logged", "{}")
    queue = Queue(f"{namespace}.reports", channel=connection.channel())
    leased = queue.get(no_ack=False)
    assert leased is not None
    assert queue.purge() == 2
    leased.ack()
    assert stored_messages(bootstrapped) == 0
