"""Reads on a running stack, side by side with a bare Flask + SQLAlchemy read in one run.

    PYTHONPATH=. .venv/bin/python -m tests.bench.bench_reads \
        [--seconds 10] [--connections 16] [--server]

Embedded (default): the stack as ``make run`` runs it (one waitress process per service,
``tsunagu embedded``) on SQLite; the bare app is served by waitress with the same threads.
``--server``: PostgreSQL + RabbitMQ, every web process under gunicorn (2 gthread workers ×
4 threads), the bare app too, on a PostgreSQL database of its own.

With wrk at ``--connections``, one after the other:
- the bare primary-key read (the baseline),
- ``GET /organizations/{id}`` straight to the auth service, and ``GET /cases/{id}`` straight
  to the cases service (principal tokens, as the gateway forwards them),
- ``GET /api/v1/cases/{id}`` through the gateway (a personal access token),
- the same gateway read while a writer adds contacts to another case as fast as it can.

Prints req/s, p50 and p99 and each line's throughput as a ratio of the bare baseline's.
Issue 8's goals: direct service read ≥ 0.6 of bare; gateway case read p99 ≤ 50 ms. Needs wrk.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from common.http.client import ServiceClient, UpstreamTimeout, UpstreamUnavailable
from common.servicekey import ServiceCredential, load_service_key
from common.testing.databases import postgres_database, server_broker_url, server_database_url
from tests.bench.bare_app import seed
from tests.bench.bench_gateway import wrk
from tests.e2e.helpers import new_world
from tests.e2e.referrals_world import referral_world
from tests.e2e.stack import Stack, free_port_block
from tsunagu.registry import ROOT

WORKERS, THREADS = 2, 4


def serve_bare(url: str, port: int, server_mode: bool, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BARE_DATABASE_URL": url}
    if server_mode:
        argv = [
            sys.executable, "-m", "gunicorn", "--worker-class", "gthread",
            "--workers", str(WORKERS), "--threads", str(THREADS),
            "--bind", f"127.0.0.1:{port}", "tests.bench.bare_app:create_app()",
        ]  # fmt: skip
    else:
        argv = [
            sys.executable, "-m", "waitress", f"--threads={WORKERS * THREADS}",
            "--connection-limit=200", f"--listen=127.0.0.1:{port}", "--call",
            "tests.bench.bare_app:create_app",
        ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            ServiceClient(f"http://127.0.0.1:{port}", 1).request("GET", "/")
            return process
        except (UpstreamUnavailable, UpstreamTimeout):
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the bare app did not start:\n{log.read_text()}")


def check(url: str, token: str) -> None:
    """One request first: wrk only counts failures, this says why."""

    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            answer.read()
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"{url}: {exc.code} {exc.read()[:500]!r}") from exc


def principal_token(stack: Stack, pat: str) -> str:
    credential = ServiceCredential(
        load_service_key(None, Path(stack.env["TSUNAGU_DATA_DIR"]) / "keys"), "bench"
    )
    return str(
        ServiceClient(stack.url("auth"))
        .call(
            "POST",
            "/internal/tokens/resolve",
            json_body={"token": pat},
            headers=credential.headers("POST", "/internal/tokens/resolve"),
        )
        .json()["principal_token"]
    )


class Writer(threading.Thread):
    """Adds contacts to a case, one after another, until stopped."""

    def __init__(self, client: Any, case_id: str) -> None:
        super().__init__(daemon=True)
        self.client, self.case_id = client, case_id
        self.stop = threading.Event()
        self.writes = 0

    def run(self) -> None:
        while not self.stop.is_set():
            self.client.post(
                f"/cases/{self.case_id}/contacts",
                {"channel": "phone", "by": "self", "occurred_at": "2026-04-11T10:00:00+09:00"},
            )
            self.writes += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--server", action="store_true", help="PostgreSQL + RabbitMQ")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    server = None
    if args.server:
        database_url, broker_url = server_database_url(), server_broker_url()
        if not (database_url and broker_url):
            raise SystemExit("--server needs TSUNAGU_TEST_DATABASE_URL and TSUNAGU_TEST_BROKER_URL")
        server = (database_url, broker_url)
    with tempfile.TemporaryDirectory() as scratch_dir, ExitStack() as cleanup:
        scratch = Path(scratch_dir)
        extra_env = {
            "TSUNAGU_WEB_WORKERS": str(WORKERS),
            "TSUNAGU_WEB_THREADS": str(THREADS),
            "TSUNAGU_LOG_LEVEL": "WARNING",
        }
        with Stack(scratch, server=server, combined=not server, extra_env=extra_env) as stack:
            setup = referral_world(stack)
            case_id, _ = setup.case_with_consent()
            other_case, _ = setup.case_with_consent()
            pat = setup.sender.post("/tokens", {"name": "bench"})["token"]
            principal = principal_token(stack, pat)
            admin_world = new_world(stack, {"npo": "npo"}, roles=("org_admin",))
            org_id = admin_world.orgs["npo"]
            admin_pat = admin_world.user("npo.org_admin").post("/tokens", {"name": "bench"})
            admin_principal = principal_token(stack, admin_pat["token"])
            if server:
                bare_url = cleanup.enter_context(postgres_database(server[0], "bench_bare"))
            else:
                bare_url = f"sqlite:///{scratch / 'bare.sqlite3'}"
            item = seed(bare_url)[0]
            bare_port = free_port_block(1)
            bare = serve_bare(bare_url, bare_port, bool(server), scratch / "bare.log")
            try:
                bare_url = f"http://127.0.0.1:{bare_port}/items/{item}"
                auth_url = f"{stack.url('auth')}/organizations/{org_id}"
                lines = [
                    ("bare Flask + SQLAlchemy read", bare_url, ""),
                    ("auth GET /organizations/{id}", auth_url, admin_principal),
                    ("cases GET /cases/{id}", f"{stack.url('cases')}/cases/{case_id}", principal),
                    (
                        "gateway GET /api/v1/cases/{id}",
                        f"{stack.url()}/api/v1/cases/{case_id}",
                        pat,
                    ),
                ]
                mode = (
                    "server (PostgreSQL, gunicorn 2×4)"
                    if server
                    else "embedded (SQLite, waitress 8 threads)"
                )
                print(f"\nwrk -c {args.connections} -d {args.seconds}s, {mode}\n")
                print(f"{'read':<40}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'÷ bare':>8}")
                base = 0.0
                for name, url, token in lines:
                    check(url, token)
                    wrk(url, token, 2, args.connections)  # warm up
                    result = wrk(url, token, args.seconds, args.connections)
                    base = base or result["rps"]
                    print(
                        f"{name:<40}{result['rps']:>9.0f}{result['p50']:>9.1f}"
                        f"{result['p99']:>9.1f}{result['rps'] / base:>8.2f}"
                    )
                writer = Writer(setup.sender, other_case)
                writer.start()
                _, url, token = lines[-1]
                result = wrk(url, token, args.seconds, args.connections)
                writer.stop.set()
                writer.join()
                print(
                    f"{'  … while a writer adds contacts':<40}{result['rps']:>9.0f}"
                    f"{result['p50']:>9.1f}{result['p99']:>9.1f}{result['rps'] / base:>8.2f}"
                    f"   ({writer.writes / args.seconds:.0f} writes/s)"
                )
            finally:
                bare.terminate()
                bare.wait(10)
    print("\nGoals (issue 8): a service's direct read ≥ 0.6 × bare; gateway case read p99 ≤ 50 ms.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
