"""Event commit → visible in the KPI report, through a transport (used by bench_reports).

A producer in miniature (an outbox in its own SQLite file, as cases would have) commits one
``contact.logged`` at a time; the real ``OutboxRelay`` publishes it; the real
``EventConsumer`` with the reports handlers applies it to the benchmark's full reports
database; the clock stops when ``GET /reports/kpi`` shows the new contact."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kombu
from sqlalchemy.orm import Session, sessionmaker

from common.messaging import topology
from common.messaging.broker import bootstrap
from common.messaging.consumer import EventConsumer
from common.messaging.envelope import Event
from common.messaging.outbox import record_event
from common.messaging.relay import OutboxRelay
from common.testing.databases import unique_name
from services.reports.consumers import HANDLERS
from services.reports.models import ProcessedEvent
from tests.support.event_procs import OutboxEvent, session_factory


def commit_to_visible(
    broker_url: str,
    work: Path,
    reports: sessionmaker[Session],
    count_in_report: Callable[[], int],
    make_event: Callable[[], Event],
    n: int,
    timeout: float = 30.0,
) -> list[float]:
    namespace = unique_name("bench_reports")
    bootstrap(broker_url, namespace)
    producer = session_factory(f"sqlite:///{work / (namespace + '_cases.sqlite3')}")
    relay = OutboxRelay(
        session_factory=producer,
        outbox_model=OutboxEvent,
        broker_url=broker_url,
        namespace=namespace,
    )
    consumer = EventConsumer(
        name="reports",
        session_factory=reports,
        processed_model=ProcessedEvent,
        handlers=HANDLERS,
        broker_url=broker_url,
        namespace=namespace,
    )
    stop = threading.Event()
    threads = [threading.Thread(target=part.run, args=(stop,)) for part in (relay, consumer)]
    for thread in threads:
        thread.start()
    samples: list[float] = []
    try:
        time.sleep(1.0)  # let the consumer subscribe
        seen = count_in_report()
        for _ in range(n):
            started = time.perf_counter()
            with producer() as session:
                record_event(session, OutboxEvent, make_event())
                session.commit()
            deadline = started + timeout
            while count_in_report() == seen:
                if time.perf_counter() > deadline:
                    raise TimeoutError("the event never showed in the report")
                time.sleep(0.002)
            samples.append(time.perf_counter() - started)
            seen += 1
            time.sleep(0.05)  # one at a time, as people type
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        _cleanup(broker_url, namespace)
    return samples


def _cleanup(url: str, namespace: str) -> None:
    if url.startswith("sqlite"):
        return
    with kombu.Connection(url, connect_timeout=5) as connection:
        channel: Any = connection.channel()
        for queue in topology.all_queues(namespace):
            queue(channel).delete()
        topology.events_exchange(namespace)(channel).delete()
        topology.dead_letter_exchange(namespace)(channel).delete()
