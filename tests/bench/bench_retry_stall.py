"""Do events behind refused ones wait for the refused ones' retries? Not run by pytest.

    PYTHONPATH=. .venv/bin/python -m tests.bench.bench_retry_stall [--events N] [--refused R]

One real EventConsumer (default retry settings: 0.5 s doubling, 5 attempts) on the embedded
SQLite broker. Two runs side by side, each on a fresh broker and database:

- baseline: N events published one at a time every 20 ms, all applied;
- refused: R events that the handler refuses every time are published first, then the same
  N events.

Latency is applied − published, per real event (wall clock, one process). Issue 13 measured
p50 19 s with ten refused events in front (baseline 0.04 s) when the consumer slept through
each retry's backoff.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy.orm import Session

from common.messaging import topology
from common.messaging.broker import Publisher, bootstrap
from common.messaging.consumer import EventConsumer
from common.messaging.envelope import Event
from common.testing.databases import unique_name
from tests.support.event_procs import CONSUMER, EVENT_TYPE, ProcessedEvent, session_factory


def run(folder: Path, events: int, refused: int) -> list[float]:
    broker = f"sqlite:///{folder / 'broker.sqlite3'}"
    namespace = unique_name("stall")
    bootstrap(broker, namespace)
    latencies: list[float] = []
    done = threading.Event()

    def handler(_session: Session, event: Event) -> None:
        if event.data.get("refuse"):
            raise RuntimeError("refused")
        latencies.append(time.time() - float(event.data["sent"]))
        if len(latencies) == events:
            done.set()

    consumer = EventConsumer(
        name=CONSUMER,
        session_factory=session_factory(f"sqlite:///{folder / 'reports.sqlite3'}"),
        processed_model=ProcessedEvent,
        handlers={EVENT_TYPE: handler},
        broker_url=broker,
        namespace=namespace,
    )
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,))
    thread.start()
    publisher = Publisher(broker)
    exchange = topology.events_exchange(namespace)
    try:
        for _ in range(refused):
            bad = Event(type=EVENT_TYPE, producer="cases", data={"refuse": True})
            publisher.publish(bad.to_json(), exchange=exchange, routing_key=EVENT_TYPE)
        for _ in range(events):
            real = Event(type=EVENT_TYPE, producer="cases", data={"sent": time.time()})
            publisher.publish(real.to_json(), exchange=exchange, routing_key=EVENT_TYPE)
            time.sleep(0.02)
        if not done.wait(300):
            raise RuntimeError(f"only {len(latencies)} of {events} applied in 300 s")
    finally:
        stop.set()
        thread.join(30)
        publisher.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--refused", type=int, default=10)
    args = parser.parse_args()
    print(f"{'run':<22}{'events':>8}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for label, refused in (("baseline", 0), (f"{args.refused} refused in front", args.refused)):
        with tempfile.TemporaryDirectory() as folder:
            latencies = sorted(run(Path(folder), args.events, refused))
        p50 = statistics.median(latencies) * 1000
        p95 = latencies[int(0.95 * (len(latencies) - 1))] * 1000
        print(
            f"{label:<22}{len(latencies):>8}{p50:>10.1f}{p95:>10.1f}{latencies[-1] * 1000:>10.1f}"
        )


if __name__ == "__main__":
    main()
