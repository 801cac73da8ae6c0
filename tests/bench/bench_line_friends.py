"""Follow → ``line_friends`` visible, beside case opened → ``consulted_persons`` visible — in
one run, on a real stack.

    PYTHONPATH=. .venv/bin/python -m tests.bench.bench_line_friends [--follows 50] [--server]

Starts a whole stack of real processes (tests/e2e/stack.py): embedded — one process per
service, its web app and worker together (SQLite, the SQLite broker), as ``make run`` runs
them — or, with ``--server``, PostgreSQL + RabbitMQ (TSUNAGU_TEST_DATABASE_URL /
TSUNAGU_TEST_BROKER_URL) with a web process and a worker per service, as server mode runs
them. A desk org gets a LINE channel (its Messaging API a local fake, so nothing leaves the
machine). Then, one at a time and alternating:

* **follow**: a follow event of a new LINE user, built by the LINE simulator
  (tsunagu/linesim) and signed as LINE signs it, is POSTed to the gateway's
  ``/line/webhook/{channel}``; from its 200, ``GET /api/v1/reports/kpi`` (the org admin's
  session, the current JST fiscal year) is polled every 20 ms until ``line_friends`` has
  grown by one. The path: gateway → line (stores the webhook) → line worker (applies it,
  ``line.followed`` in its outbox) → broker → reports consumer → the KPI read model.
* **baseline**: ``POST /api/v1/cases`` with a first contact; from its 201, the same KPI is
  polled until ``consulted_persons`` has grown by one. The path: gateway → cases (the case,
  ``case.opened`` and ``contact.logged`` in its outbox) → broker → reports consumer — the
  LINE path without the webhook's store-then-apply step.

The time is taken when the poll that first shows the new figure has answered (what a desk
user reloading the page would see). Prints p50/p95/max of each and their ratio. Tests never
assert time; this reports.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common.clock import utcnow
from common.fiscal import fiscal_year_label, fiscal_year_of
from common.testing.databases import server_broker_url, server_database_url
from tests.e2e.helpers import new_world
from tests.e2e.stack import Stack
from tests.service.line.fake_line import running_fake_line
from tsunagu.demo.client import ApiFailure, GatewayClient
from tsunagu.linesim.state import SimulatorState
from tsunagu.linesim.webhook import follow_event, serialise, signature

SECRET = "0123456789abcdef0123456789abcdef"
BOT = "U" + "b" * 32
POLL_SECONDS = 0.020
GIVE_UP_SECONDS = 60.0


class Kpi:
    """The org's KPI table through the gateway, as the desk's admin reads it."""

    def __init__(self, admin: GatewayClient, fiscal_year: int) -> None:
        self.admin = admin
        self.path = f"/reports/kpi?fiscal_year={fiscal_year}&scope=org"

    def actual(self, kpi: str) -> int:
        rows = self.admin.get(self.path)["rows"]
        return int(next(r for r in rows if r["kpi"] == kpi)["actual"])

    def wait_until(self, kpi: str, at_least: int, since: float) -> float | None:
        """Poll every 20 ms; ms from ``since`` to the answer that first shows ``at_least``."""
        while True:
            value = self.actual(kpi)
            now = time.perf_counter()
            if value >= at_least:
                return (now - since) * 1000
            if now - since > GIVE_UP_SECONDS:
                return None
            time.sleep(POLL_SECONDS)


class LinePlatform:
    """LINE's side: new users following the channel, each follow one signed webhook POST."""

    def __init__(self, gateway_url: str, channel: str) -> None:
        host, port = gateway_url.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=10)
        self.path = f"/line/webhook/{channel}"
        self.state = SimulatorState(monthly_limit=1_000_000)

    def follow(self) -> float:
        """A new user follows; the moment LINE has the 200 (perf_counter)."""
        user = self.state.add_user(f"ベンチ {len(self.state.users) + 1}")
        body = serialise({"destination": BOT, "events": [follow_event(self.state, user, False)]})
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Line-Signature": signature(SECRET, body),
            "User-Agent": "LineBotWebhook/2.0",
        }
        self.connection.request("POST", self.path, body=body, headers=headers)
        response = self.connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"the webhook answered {response.status}")
        return time.perf_counter()


def open_case(staff: GatewayClient, n: int) -> float:
    """A new person's case with its first consultation; the moment of the 201."""
    staff.post(
        "/cases",
        {
            "person": {"display_name": f"ベンチ 相談者{n}"},
            "first_contact": {
                "channel": "visit",
                "by": "self",
                "occurred_at": utcnow().isoformat(),
            },
        },
    )
    return time.perf_counter()


def summary(samples: list[float | None]) -> dict[str, Any]:
    seen = sorted(s for s in samples if s is not None)
    if not seen:
        return {"n": 0, "lost": len(samples), "p50": 0.0, "p95": 0.0, "max": 0.0}
    return {
        "n": len(seen),
        "lost": len(samples) - len(seen),
        "p50": statistics.median(seen),
        "p95": seen[max(0, round(len(seen) * 0.95) - 1)],
        "max": seen[-1],
    }


def wait_for(probe: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = probe()
            if result:
                return result
        except ApiFailure as exc:  # line and reports may not have heard of the new org yet
            result = exc
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {timeout:g} s (last: {result!r})")
        time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--follows", type=int, default=50, help="follows (and cases) measured")
    parser.add_argument("--server", action="store_true", help="PostgreSQL + RabbitMQ")
    args = parser.parse_args()
    server = None
    if args.server:
        database_url, broker_url = server_database_url(), server_broker_url()
        if not (database_url and broker_url):
            raise SystemExit("--server needs TSUNAGU_TEST_DATABASE_URL and TSUNAGU_TEST_BROKER_URL")
        server = (database_url, broker_url)
    fiscal_year = fiscal_year_of(utcnow())
    with (
        tempfile.TemporaryDirectory() as scratch,
        running_fake_line() as fake_line,
        Stack(
            Path(scratch),
            server=server,
            combined=not server,
            extra_env={"TSUNAGU_LINE_API_URL": fake_line.url, "TSUNAGU_LOG_LEVEL": "WARNING"},
        ) as stack,
    ):
        world = new_world(stack, {"desk": "npo"}, roles=("org_admin", "staff"))
        admin, staff = world.user("desk.org_admin"), world.user("desk.staff")
        channel = wait_for(
            lambda: admin.post(
                "/line/channels",
                {
                    "org_id": world.orgs["desk"],
                    "name": "LINE相談",
                    "channel_id": str(int(time.time())),
                    "channel_secret": SECRET,
                    "channel_access_token": "bench-access-token",
                    "bot_user_id": BOT,
                    # open around the clock: no out-of-hours answers in the way
                    "hours": {"open": "00:00", "close": "23:59"},
                },
            ),
            "the LINE channel registered",
        )
        kpi = Kpi(admin, fiscal_year)
        wait_for(lambda: kpi.actual("line_friends") == 0, "the org's KPI readable")
        line = LinePlatform(stack.url("gateway"), channel["id"])
        # Warm up both paths once (first connections, first queries), unmeasured.
        kpi.wait_until("line_friends", 1, line.follow())
        kpi.wait_until("consulted_persons", 1, open_case(staff, 0))
        friends, consulted = 1, 1
        follows: list[float | None] = []
        cases: list[float | None] = []
        for n in range(1, args.follows + 1):
            friends += 1
            follows.append(kpi.wait_until("line_friends", friends, line.follow()))
            consulted += 1
            cases.append(kpi.wait_until("consulted_persons", consulted, open_case(staff, n)))
        final = {k: kpi.actual(k) for k in ("line_friends", "consulted_persons")}
    mode = (
        "server mode (PostgreSQL + RabbitMQ, a web process and a worker per service)"
        if server
        else "embedded (SQLite + SQLite broker, one process per service)"
    )
    load = os.getloadavg()
    print(
        f"\nTo the KPI, {args.follows} of each, alternating, one at a time, polled every "
        f"{POLL_SECONDS * 1000:g} ms; {mode}; {fiscal_year_label(fiscal_year)}; "
        f"load average at the end {load[0]:.1f} / {load[1]:.1f} ({os.cpu_count()} CPUs)"
    )
    print(f"{'path':<52}{'seen':>6}{'lost':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    rows = (
        ("follow webhook 200 → line_friends +1", summary(follows)),
        ("POST /cases 201 → consulted_persons +1 (baseline)", summary(cases)),
    )
    for name, r in rows:
        print(
            f"{name:<52}{r['n']:>6}{r['lost']:>6}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['max']:>9.1f}"
        )
    line_row, case_row = rows[0][1], rows[1][1]
    if case_row["n"] and line_row["n"]:
        print(
            f"ratio follow/case: p50 ×{line_row['p50'] / case_row['p50']:.2f}, "
            f"p95 ×{line_row['p95'] / case_row['p95']:.2f}"
        )
    print(f"final KPI: {json.dumps(final)} (expected {friends} friends, {consulted} consulted)")
    return 0 if not (line_row["lost"] or case_row["lost"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
