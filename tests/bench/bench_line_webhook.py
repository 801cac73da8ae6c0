"""LINE webhook acknowledgement latency, beside a bare Flask endpoint that only checks the
signature — in one run.

    PYTHONPATH=. .venv/bin/python -m tests.bench.bench_line_webhook \
        [--rate 50] [--seconds 60] [--server]

Starts the line service under gunicorn (TSUNAGU_WEB_WORKERS × TSUNAGU_WEB_THREADS gthread,
as in production) on a scratch database — SQLite, or PostgreSQL with ``--server``
(TSUNAGU_TEST_DATABASE_URL) — with its worker applying the stored events meanwhile, and a
bare Flask app under the same gunicorn settings. Each is sent signed webhook bodies of one
text message event at a steady ``--rate`` per second (open loop: a request is sent on
schedule whether or not the previous one has answered) for ``--seconds``, and the time from
sending to the 200 is recorded. Prints p50/p99/max per endpoint and the line/bare ratio.
LINE gives up after 2,000 ms; the aim is p99 ≤ 100 ms. Tests never assert time; this
reports.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import hmac
import http.client
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, request

SECRET = "0123456789abcdef0123456789abcdef"
ROOT = Path(__file__).resolve().parents[2]
MESSAGE_IDS = itertools.count(10**17)


def bare_app() -> Flask:
    """The baseline: a Flask endpoint that checks the signature and does nothing else."""
    app = Flask("bare")

    @app.post("/line/webhook/<channel_id>")
    def webhook(channel_id: str) -> tuple[str, int]:
        body = request.get_data()
        expected = base64.b64encode(
            hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
        ).decode()
        given = request.headers.get("X-Line-Signature", "")
        return ("{}", 200) if hmac.compare_digest(expected, given) else ("{}", 401)

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", path)
            if connection.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"port {port} did not answer {path}")


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], ready_path: str) -> Iterator[int]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        env.get("TSUNAGU_WEB_WORKERS", "2"),
        "--threads",
        env.get("TSUNAGU_WEB_THREADS", "4"),
        "--worker-class",
        "gthread",
        "--log-level",
        "warning",
        app_spec,
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    try:
        wait_ready(port, ready_path)
        yield port
    finally:
        process.terminate()
        process.wait(15)


@contextmanager
def line_worker(env: dict[str, str]) -> Iterator[None]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tsunagu", "worker", "line"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(45)  # it finishes the round of events it is applying
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def signed_body(n: int) -> tuple[bytes, str]:
    event = {
        "type": "message",
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": "U" + f"{n % 500:032x}"},
        "webhookEventId": f"01BENCH{uuid.uuid4().hex[:19].upper()}",
        "deliveryContext": {"isRedelivery": False},
        "replyToken": uuid.uuid4().hex,
        "message": {
            "type": "text",
            "id": str(next(MESSAGE_IDS)),
            "text": "こんばんは、相談したいです 😀",
            "quoteToken": uuid.uuid4().hex,
        },
    }
    # LINE's own escaping: non-ASCII as \\uXXXX, which the signature covers byte for byte.
    body = json.dumps({"destination": "U" + "b" * 32, "events": [event]}).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest())
    return body, signature.decode()


class Sender:
    """One keep-alive connection per thread."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.local = threading.local()

    def post(self, path: str, body: bytes, signature: str) -> tuple[int, float]:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=10
            )
        started = time.perf_counter()
        headers = {"Content-Type": "application/json", "X-Line-Signature": signature}
        for _attempt in (1, 2):
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                return response.status, (time.perf_counter() - started) * 1000
            except (OSError, http.client.HTTPException):
                # A kept-alive connection the server closed meanwhile: LINE would open a new
                # one too. The time spent counts.
                connection.close()
                connection = self.local.connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=10
                )
        return 0, (time.perf_counter() - started) * 1000


def drive(port: int, path: str, rate: float, seconds: float) -> dict[str, Any]:
    sender = Sender(port)
    bodies = [signed_body(n) for n in range(int(rate * seconds) + 1)]
    results: list[tuple[int, float]] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        outcome = sender.post(path, *bodies[n])
        with lock:
            results.append(outcome)

    with ThreadPoolExecutor(max_workers=32) as pool:
        start = time.perf_counter()
        for n in range(len(bodies) - 1):
            due = start + n / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            pool.submit(one, n)
    latencies = sorted(ms for status, ms in results if status == 200)
    failures = sum(1 for status, _ in results if status != 200)
    return {
        "sent": len(results),
        "failed": failures,
        "p50": statistics.median(latencies),
        "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)],
        "max": latencies[-1],
    }


def drain(url: str, timeout: float = 30.0) -> dict[str, Any]:
    """Wait for the worker to apply what was stored; how far it got."""
    import sqlalchemy as sa

    from common.db import make_engine

    engine = make_engine(url)
    started = time.monotonic()
    try:
        while True:
            with engine.connect() as connection:
                counts = dict(
                    connection.execute(
                        sa.text("SELECT status, count(*) FROM webhook_events GROUP BY status")
                    ).all()
                )
            pending = int(counts.get("pending", 0))
            if pending == 0 or time.monotonic() - started > timeout:
                return {
                    "applied": int(counts.get("applied", 0)),
                    "pending": pending,
                    "seconds": time.monotonic() - started,
                }
            time.sleep(0.1)
    finally:
        engine.dispose()


def prepare_line(tmp: Path, url: str, server: bool) -> tuple[dict[str, str], str]:
    """Migrate a scratch line database, register a channel; the environment and its id."""
    from common.messaging.broker import bootstrap as bootstrap_broker
    from common.migrations import upgrade
    from common.testing.principals import Tenant, auth_header, make_principal
    from common.testing.services import test_settings
    from services.line import SERVICE

    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TSUNAGU_DATA_DIR": str(tmp),
        "TSUNAGU_KEYS_DIR": str(tmp / "keys"),
        "TSUNAGU_LINE_DATABASE_URL": url,
        "TSUNAGU_LINE_API_URL": "http://127.0.0.1:9",  # no LINE: nothing is sent in hours
        "TSUNAGU_LOG_LEVEL": "WARNING",
        "TSUNAGU_DEMO": "0",
    }
    if server and os.environ.get("TSUNAGU_TEST_BROKER_URL"):
        env["TSUNAGU_BROKER_URL"] = os.environ["TSUNAGU_TEST_BROKER_URL"]
        env["TSUNAGU_BROKER_NAMESPACE"] = "bench-" + uuid.uuid4().hex[:8]
    settings = test_settings(tmp, **{k: v for k, v in env.items() if k.startswith("TSUNAGU_")})
    upgrade(SERVICE.migrations, url)
    bootstrap_broker(settings.broker_url, settings.broker_namespace)
    app = SERVICE.create_app(settings)
    admin = make_principal(Tenant.new(), role="org_admin")
    answer = app.test_client().post(
        "/line/channels",
        json={
            "org_id": str(admin.org_id),
            "name": "bench",
            "channel_id": "1600000000",
            "channel_secret": SECRET,
            "channel_access_token": "bench-token-0000",
            "bot_user_id": "U" + "b" * 32,
            # open around the clock, so no out-of-hours answers are queued
            "hours": {"open": "00:00", "close": "23:59"},
        },
        headers=auth_header(admin),
    )
    assert answer.status_code == 201, answer.get_json()
    runtime = app.extensions["tsunagu"].runtime
    if runtime.engine is not None:
        runtime.engine.dispose()
    return env, str(answer.get_json()["id"])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=50.0, help="webhook events per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of each phase")
    parser.add_argument(
        "--server", action="store_true", help="PostgreSQL (TSUNAGU_TEST_DATABASE_URL)"
    )
    parser.add_argument(
        "--no-worker", action="store_true", help="leave the stored events unapplied (isolation)"
    )
    args = parser.parse_args()
    from common.testing.databases import scratch_database, server_database_url

    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        server = server_database_url() if args.server else None
        if args.server and not server:
            raise SystemExit("--server needs TSUNAGU_TEST_DATABASE_URL")
        with scratch_database(tmp, "bench_line", server) as url:
            env, channel = prepare_line(tmp, url, bool(server))
            with (
                gunicorn("services.line:create_app()", env, "/healthz") as port,
                line_worker(env)
                if not os.environ.get("BENCH_NO_WORKER")
                else contextlib.nullcontext(),
            ):
                drive(port, f"/line/webhook/{channel}", args.rate, 2.0)  # warm up
                line = drive(port, f"/line/webhook/{channel}", args.rate, args.seconds)
                backlog = None if args.no_worker else drain(url)
            with gunicorn("tests.bench.bench_line_webhook:bare_app()", env, "/") as port:
                drive(port, f"/line/webhook/{channel}", args.rate, 2.0)
                bare = drive(port, f"/line/webhook/{channel}", args.rate, args.seconds)
    mode = "PostgreSQL" if args.server else "SQLite"
    load = os.getloadavg()
    print(
        f"\nLINE webhook acknowledgement, {args.rate:g} events/s for {args.seconds:g} s, "
        f"{mode}, gunicorn {env.get('TSUNAGU_WEB_WORKERS', '2')}×"
        f"{env.get('TSUNAGU_WEB_THREADS', '4')} gthread"
        + ("" if args.no_worker else ", the line worker applying the events meanwhile")
        + f"; load average at the end {load[0]:.1f} / {load[1]:.1f} ({os.cpu_count()} CPUs)"
    )
    print(f"{'endpoint':<34}{'sent':>6}{'failed':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, r in (("line service (verify+store)", line), ("bare Flask (verify only)", bare)):
        print(
            f"{name:<34}{r['sent']:>6}{r['failed']:>8}{r['p50']:>9.1f}{r['p99']:>9.1f}"
            f"{r['max']:>9.1f}"
        )
    if backlog is not None:
        print(
            f"line worker: {backlog['applied']} events applied, {backlog['pending']} pending "
            f"{backlog['seconds']:.1f} s after the last webhook"
        )
    print(
        f"ratio line/bare: p50 ×{line['p50'] / bare['p50']:.1f}, "
        f"p99 ×{line['p99'] / bare['p99']:.1f} (aim: p99 ≤ 100 ms; LINE waits 2,000 ms)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
