"""What an accepted referral costs, from the accept click to the linked case being visible.
Not run by pytest.

    PYTHONPATH=. .venv/bin/python -m tests.bench.bench_referrals [--referrals 30] [--poll 0.01]

Starts the whole stack — gateway, auth, cases, referrals, reports and their workers — as real
processes: embedded (SQLite databases, SQLite broker), and in server mode as well (PostgreSQL,
RabbitMQ) when TSUNAGU_TEST_DATABASE_URL and TSUNAGU_TEST_BROKER_URL are set. It prepares N
referrals through the gateway (a case, a consent, the referral, viewed by the receiver), then
for each one, one at a time:

- ``POST /api/v1/referrals/{id}/accept`` as the receiver — the click;
- every 5 ms, the receiver's unread-notice count (a read that writes nothing: polling the
  referral itself would write an audit entry per look and compete for the SQLite writer)
  until the "linked case opened" notice arrives — it commits with ``linked_case_id`` — and
  then one ``GET /api/v1/referrals/{id}`` to check that the linked case is there.

The path in between: referrals commits the transition and ``referral.accepted`` → its relay
publishes → the cases worker opens the linked case and records ``case.opened`` → the cases
relay publishes → the referrals worker links it. Default polling (0.05 s) as in Settings.
Prints the accept call and accept → linked (p50/p90/max/mean) in milliseconds per transport.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from common.testing.databases import server_broker_url, server_database_url
from tests.e2e.conftest import STACK_SERVICES
from tests.e2e.referrals_world import referral_world
from tests.e2e.stack import Stack

POLL_SECONDS = 0.005


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(stack: Stack, count: int) -> tuple[list[float], list[float]]:
    setup = referral_world(stack)
    referral_ids = []
    for _ in range(count + 3):
        case_id, consent_id = setup.case_with_consent()
        referral_id = setup.send(case_id, consent_id)["id"]
        setup.receiver.get(f"/referrals/{referral_id}")  # viewed, as a person would first
        referral_ids.append(referral_id)
    time.sleep(1.0)  # let the sends' events settle
    clicks, linked = [], []
    for index, referral_id in enumerate(referral_ids):
        before = setup.receiver.get("/notifications/unread-count")["incoming"]
        started = time.perf_counter()
        setup.receiver.post(f"/referrals/{referral_id}/accept", {})
        answered = time.perf_counter()
        while setup.receiver.get("/notifications/unread-count")["incoming"] <= before:
            if time.perf_counter() - started > 30:
                raise RuntimeError(f"no linked case for {referral_id} after 30 s")
            time.sleep(POLL_SECONDS)
        done = time.perf_counter()
        if not setup.receiver.get(f"/referrals/{referral_id}").get("linked_case_id"):
            raise RuntimeError(f"notice without a linked case for {referral_id}")
        if index >= 3:  # the first ones warm connections and caches
            clicks.append((answered - started) * 1000)
            linked.append((done - started) * 1000)
    return clicks, linked


def report(name: str, clicks: list[float], linked: list[float]) -> None:
    def row(label: str, values: list[float]) -> str:
        return (
            f"{name:<22}{label:<22}{pct(values, 50):>8.0f}{pct(values, 90):>8.0f}"
            f"{max(values):>8.0f}{statistics.mean(values):>8.0f}"
        )

    print(row("accept call", clicks))
    print(row("accept → linked case", linked))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--referrals", type=int, default=30)
    parser.add_argument(
        "--poll",
        type=float,
        default=None,
        help="relay and consumer polling interval in seconds (default: Settings' 0.05)",
    )
    args = parser.parse_args()
    env = {"TSUNAGU_LOG_LEVEL": "WARNING"}
    if args.poll is not None:
        env |= {
            "TSUNAGU_RELAY_POLL_SECONDS": str(args.poll),
            "TSUNAGU_CONSUMER_POLL_SECONDS": str(args.poll),
        }
    runs: list[tuple[str, tuple[str, str] | None]] = [("embedded (SQLite)", None)]
    database_url, broker_url = server_database_url(), server_broker_url()
    if database_url and broker_url:
        runs.append(("server (PG + RabbitMQ)", (database_url, broker_url)))
    results = []
    for name, server in runs:
        with (
            tempfile.TemporaryDirectory() as scratch,
            Stack(
                Path(scratch),
                server=server,
                services=STACK_SERVICES,
                extra_env=env,
            ) as stack,
        ):
            results.append((name, *measure(stack, args.referrals)))
    polling = f"{args.poll} s" if args.poll is not None else "0.05 s (default)"
    print(f"\n{args.referrals} referrals accepted one at a time; polling {polling}; ms\n")
    print(f"{'transport':<22}{'':<22}{'p50':>8}{'p90':>8}{'max':>8}{'mean':>8}")
    for name, clicks, linked in results:
        report(name, clicks, linked)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
