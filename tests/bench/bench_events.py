"""Event pipeline throughput and latency, per broker transport. Not run by pytest.

    PYTHONPATH=. .venv/bin/python -m tests.bench.bench_events [--events N]

Measures, on the embedded SQLite broker (and on RabbitMQ when TSUNAGU_TEST_BROKER_URL is set):

- relay publish rate: one in-process relay draining an outbox of N events (persistent,
  confirmed on RabbitMQ) into the broker;
- delivered rate: N events through the relay to TWO consumer processes on one service queue,
  each applying them idempotently into one SQLite database; from relay start to last effect;
- latency, commit → applied: events committed one at a time at a steady rate while relay and
  consumers run; ``applied_at − occurred_at`` per event (both just before their commits).

Service databases are SQLite files in a temporary folder for both transports, so the broker
is the only difference. Default polling intervals (0.05 s) as in Settings.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import kombu
import sqlalchemy as sa

from common.messaging import topology
from common.messaging.broker import bootstrap
from common.messaging.relay import OutboxRelay
from common.testing.databases import SERVER_BROKER_ENV, unique_name
from tests.support import event_procs
from tests.support.event_procs import (
    Effect,
    OutboxEvent,
    effect_counts,
    session_factory,
    write_events,
)


@dataclass
class Result:
    transport: str
    publish_rate: float
    delivered_rate: float
    p50_ms: float
    p95_ms: float


def _relay(factory: sa.orm.sessionmaker[sa.orm.Session], url: str, ns: str) -> OutboxRelay:
    return OutboxRelay(
        session_factory=factory, outbox_model=OutboxEvent, broker_url=url, namespace=ns
    )


def _wait(predicate: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark stalled")
        time.sleep(0.01)


def measure_publish(url: str, work: Path, events: int) -> float:
    namespace = unique_name("bench_pub")
    bootstrap(url, namespace)
    factory = session_factory(f"sqlite:///{work / (namespace + '_cases.sqlite3')}")
    write_events(factory, events, per_transaction=500)
    relay = _relay(factory, url, namespace)
    start = time.perf_counter()
    while relay.publish_pending():
        pass
    elapsed = time.perf_counter() - start
    relay.publisher.close()
    _cleanup(url, namespace)
    return events / elapsed


def _consumers(url: str, work: Path, namespace: str, reports_url: str) -> list[object]:
    return [
        event_procs.spawn(
            "consumer",
            "--db",
            reports_url,
            "--broker",
            url,
            "--namespace",
            namespace,
            log=work / "consumers.log",
        )
        for _ in range(2)
    ]


def measure_delivery(url: str, work: Path, events: int) -> float:
    namespace = unique_name("bench_e2e")
    bootstrap(url, namespace)
    cases = session_factory(f"sqlite:///{work / (namespace + '_cases.sqlite3')}")
    reports_url = f"sqlite:///{work / (namespace + '_reports.sqlite3')}"
    reports = session_factory(reports_url)
    write_events(cases, events, per_transaction=500)
    consumers = _consumers(url, work, namespace, reports_url)
    time.sleep(2.0)  # let both consumers start and subscribe
    stop = threading.Event()
    relay = _relay(cases, url, namespace)
    start = time.perf_counter()
    thread = threading.Thread(target=relay.run, args=(stop,))
    thread.start()
    try:
        _wait(lambda: effect_counts(reports)[0] >= events, timeout=600)
        elapsed = time.perf_counter() - start
    finally:
        stop.set()
        thread.join()
        for process in consumers:
            event_procs.stop(process)  # type: ignore[arg-type]
    assert effect_counts(reports) == (events, events), "lost or doubled events"
    _cleanup(url, namespace)
    return events / elapsed


def measure_latency(url: str, work: Path, events: int, rate: float) -> tuple[float, float]:
    namespace = unique_name("bench_lat")
    bootstrap(url, namespace)
    cases = session_factory(f"sqlite:///{work / (namespace + '_cases.sqlite3')}")
    reports_url = f"sqlite:///{work / (namespace + '_reports.sqlite3')}"
    reports = session_factory(reports_url)
    consumers = _consumers(url, work, namespace, reports_url)
    time.sleep(2.0)
    stop = threading.Event()
    relay = _relay(cases, url, namespace)
    thread = threading.Thread(target=relay.run, args=(stop,))
    thread.start()
    try:
        interval = 1.0 / rate
        next_at = time.perf_counter()
        for _ in range(events):
            write_events(cases, 1, per_transaction=1)
            next_at += interval
            time.sleep(max(0.0, next_at - time.perf_counter()))
        _wait(lambda: effect_counts(reports)[0] >= events, timeout=120)
    finally:
        stop.set()
        thread.join()
        for process in consumers:
            event_procs.stop(process)  # type: ignore[arg-type]
    with reports() as session:
        rows = session.execute(sa.select(Effect.occurred_at, Effect.applied_at)).all()
    latencies = sorted((applied - occurred).total_seconds() * 1000 for occurred, applied in rows)
    _cleanup(url, namespace)
    cut = statistics.quantiles(latencies, n=20)
    return statistics.median(latencies), cut[18]


def _cleanup(url: str, namespace: str) -> None:
    if url.startswith("sqlite"):
        return
    with kombu.Connection(url, connect_timeout=5) as connection:
        channel = connection.channel()
        for queue in topology.all_queues(namespace):
            queue(channel).delete()
        topology.events_exchange(namespace)(channel).delete()
        topology.dead_letter_exchange(namespace)(channel).delete()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--latency-events", type=int, default=500)
    parser.add_argument("--rate", type=float, default=100.0, help="latency phase, events/s")
    args = parser.parse_args()

    transports = {}
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-") as tmp:
        work = Path(tmp)
        transports["sqlite (embedded)"] = f"sqlite:///{work / 'broker.sqlite3'}"
        if os.environ.get(SERVER_BROKER_ENV):
            transports["rabbitmq"] = os.environ[SERVER_BROKER_ENV]
        results = []
        for name, url in transports.items():
            print(f"… {name}", file=sys.stderr, flush=True)
            publish = measure_publish(url, work, args.events)
            delivered = measure_delivery(url, work, args.events)
            p50, p95 = measure_latency(url, work, args.latency_events, args.rate)
            results.append(Result(name, publish, delivered, p50, p95))

    command = "PYTHONPATH=. .venv/bin/python -m tests.bench.bench_events " + " ".join(sys.argv[1:])
    print(f"\n$ {command.strip()}")
    print(
        f"events: {args.events} (throughput), {args.latency_events} at {args.rate:g}/s "
        f"(latency); cores: {os.cpu_count()}\n"
    )
    print(
        "| transport | relay publish msg/s | delivered msg/s (2 consumer processes) "
        "| commit→applied p50 ms | p95 ms |"
    )
    print("| --- | --- | --- | --- | --- |")
    for r in results:
        print(
            f"| {r.transport} | {r.publish_rate:,.0f} | {r.delivered_rate:,.0f} "
            f"| {r.p50_ms:.0f} | {r.p95_ms:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
