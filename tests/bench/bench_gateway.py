"""Gateway path against the same request sent straight to the service.

    PYTHONPATH=. .venv/bin/python -m tests.bench.bench_gateway [--seconds 10] [--connections 16]

Starts a real stack (embedded mode, every web process on the same gunicorn settings:
TSUNAGU_WEB_WORKERS × TSUNAGU_WEB_THREADS gthread), signs in an org admin, and measures with
wrk, one after the other in one run:

- ``GET /api/v1/me`` through the gateway with a personal access token, against
  ``GET /me`` on the auth service with a principal token;
- ``GET /api/v1/organizations/{id}`` (a database read) the same two ways.

It prints requests/s, p50/p99 latency and the gateway/direct throughput ratio (1.0 = the
gateway costs nothing). Needs ``wrk`` (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from common.http.client import ServiceClient
from common.servicekey import ServiceCredential, load_service_key
from common.testing.databases import server_broker_url, server_database_url
from tests.e2e.helpers import new_world
from tests.e2e.stack import Stack


def wrk(url: str, token: str, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} error answers\n{out}")

    def pct(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        assert m, out
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"rps": rps, "p50": pct("50"), "p99": pct("99")}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--server",
        action="store_true",
        help="PostgreSQL + RabbitMQ from TSUNAGU_TEST_DATABASE_URL/_BROKER_URL",
    )
    args = parser.parse_args()
    server = None
    if args.server:
        database_url, broker_url = server_database_url(), server_broker_url()
        if not (database_url and broker_url):
            raise SystemExit("--server needs TSUNAGU_TEST_DATABASE_URL and TSUNAGU_TEST_BROKER_URL")
        server = (database_url, broker_url)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    with (
        tempfile.TemporaryDirectory() as scratch,
        Stack(
            Path(scratch),
            services=("auth",),
            server=server,
            extra_env={
                "TSUNAGU_WEB_WORKERS": "2",
                "TSUNAGU_WEB_THREADS": "4",
                "TSUNAGU_LOG_LEVEL": "WARNING",
            },
        ) as stack,
    ):
        world = new_world(stack, {"npo": "npo"}, roles=("org_admin",))
        admin = world.user("npo.org_admin")
        pat = admin.post("/tokens", {"name": "bench"})["token"]
        # The principal token the gateway would forward, obtained as the gateway does.
        auth = ServiceClient(stack.url("auth"))
        credential = ServiceCredential(
            load_service_key(None, Path(stack.env["TSUNAGU_DATA_DIR"]) / "keys"), "bench"
        )
        principal_token = auth.call(
            "POST",
            "/internal/tokens/resolve",
            json_body={"token": pat},
            headers=credential.headers("POST", "/internal/tokens/resolve"),
        ).json()["principal_token"]
        org_id = world.orgs["npo"]
        cases = [
            ("GET /me", f"{stack.url()}/api/v1/me", f"{stack.url('auth')}/me"),
            (
                "GET /organizations/{id}",
                f"{stack.url()}/api/v1/organizations/{org_id}",
                f"{stack.url('auth')}/organizations/{org_id}",
            ),
        ]
        print(
            f"\nwrk -c {args.connections} -d {args.seconds}s, 2 gunicorn gthread workers × 4 "
            f"threads per process, {'server mode (PostgreSQL)' if server else 'embedded mode'}\n"
        )
        print(f"{'request':<26}{'path':<10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}")
        for name, via_gateway, direct in cases:
            wrk(direct, principal_token, 2, args.connections)  # warm both paths
            wrk(via_gateway, pat, 2, args.connections)
            d = wrk(direct, principal_token, args.seconds, args.connections)
            g = wrk(via_gateway, pat, args.seconds, args.connections)
            print(f"{name:<26}{'direct':<10}{d['rps']:>9.0f}{d['p50']:>9.1f}{d['p99']:>9.1f}")
            print(
                f"{'':<26}{'gateway':<10}{g['rps']:>9.0f}{g['p50']:>9.1f}{g['p99']:>9.1f}"
                f"{g['rps'] / d['rps']:>8.2f}"
            )
        print("\nratio = gateway req/s ÷ direct req/s (target ≥ 0.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
