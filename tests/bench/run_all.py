"""``make bench``: the benchmarks in this folder that need no database or broker server, one
after the other, each printing its own figures (every script sets its baseline side by side
in the same run). Not run by pytest.

    PYTHONPATH=. .venv/bin/python -m tests.bench.run_all [--full] [--in-process] [NAME ...]

By default each script runs at a reduced size so the whole set ends in minutes on a laptop;
``--full`` runs the scripts' own defaults (the sizes their figures in the docs come from).
``--in-process`` leaves out the scripts that start a real stack of processes. NAMEs (such as
``cases`` or ``bench_events``) choose scripts. Scripts that also measure PostgreSQL or
RabbitMQ do so when TSUNAGU_TEST_DATABASE_URL / TSUNAGU_TEST_BROKER_URL are set, as alone.
Exits non-zero if a script failed; the others still run.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

from common.testing.databases import server_broker_url, server_database_url


@dataclass(frozen=True)
class Bench:
    module: str
    quick: tuple[str, ...]
    stack: bool = False
    """Starts real processes (gunicorn, workers) on this machine."""
    needs: str | None = None
    """A program it runs, e.g. ``wrk``."""
    server_too: bool = False
    """Run again with ``--server`` when PostgreSQL and RabbitMQ are configured."""


BENCHES = (
    Bench("bench_cases", ("--cases", "2000", "--runs", "50")),
    Bench("bench_imports", ("--rows", "50000")),
    Bench("bench_events", ("--events", "1000", "--latency-events", "100")),
    Bench("bench_retry_stall", ("--events", "100", "--refused", "10")),
    Bench(
        "bench_reports",
        ("--orgs", "5", "--persons", "5000", "--contacts", "50000", "--requests", "50"),
    ),
    Bench("bench_memory", (), stack=True),
    Bench("bench_reads", ("--seconds", "5"), stack=True, needs="wrk", server_too=True),
    Bench("bench_gateway", ("--seconds", "5"), stack=True, needs="wrk"),
    Bench("bench_referrals", ("--referrals", "10"), stack=True),
    Bench("bench_revocation", ("--trials", "5"), stack=True),
    Bench("bench_line_friends", ("--follows", "10"), stack=True, server_too=True),
)


def chosen(names: list[str], in_process: bool) -> list[Bench]:
    wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in names}
    unknown = wanted - {b.module for b in BENCHES}
    if unknown:
        raise SystemExit(f"no such benchmark: {', '.join(sorted(unknown))}")
    return [
        b for b in BENCHES if (not wanted or b.module in wanted) and not (in_process and b.stack)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--full", action="store_true", help="the scripts' own default sizes")
    parser.add_argument("--in-process", action="store_true", help="no stack of processes")
    args = parser.parse_args()
    failed: list[str] = []
    runs = []
    for bench in chosen(args.names, args.in_process):
        command = [sys.executable, "-m", f"tests.bench.{bench.module}"]
        command += [] if args.full else list(bench.quick)
        runs.append((bench, command))
        if bench.server_too and server_database_url() and server_broker_url():
            runs.append((bench, [*command, "--server"]))
    for bench, command in runs:
        print(f"\n=== {bench.module} {' '.join(command[3:])}", flush=True)
        if bench.needs and shutil.which(bench.needs) is None:
            print(f"skipped: needs {bench.needs} on PATH", flush=True)
            continue
        started = time.monotonic()
        result = subprocess.run(command, check=False)
        took = time.monotonic() - started
        print(f"--- {bench.module}: exit {result.returncode} in {took:.0f} s", flush=True)
        if result.returncode:
            failed.append(bench.module)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
