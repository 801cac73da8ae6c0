"""Benchmark: what a large spreadsheet import costs a web request, and the worker.

    PYTHONPATH=. .venv/bin/python -m tests.bench.bench_imports [--rows 200000] [--postgres URL]

Issue #13 reported a 1 MB XLSX of 200,000 rows keeping the cases service busy for 15 s in
the upload request. This builds such a workbook (inline strings; written straight as XML)
and measures, in one run, side by side:

- **before** — what the upload request used to do: openpyxl's ``load_workbook`` and every
  row read (the baseline, kept here as it was);
- **after, request** — ``POST /imports`` through the Flask app in-process: size, kind and
  container checks, the file stored, the job queued (202);
- **after, worker** — the worker's check of that job: rows read lazily, stopping at the
  import's row limit (the job ends ``invalid``: too many rows);
- **commit** — a valid 5,000-row import committed by the worker, and meanwhile another
  member's ``POST /cases`` (its latency shows how long the import holds the database).

Prints seconds and the before/after ratio of the request.
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from common.db import make_engine, make_session_factory
from common.migrations import upgrade
from common.testing.databases import scratch_database
from common.testing.principals import Tenant, auth_header, make_principal
from common.testing.services import test_settings
from services.cases import MIGRATIONS, create_app
from services.cases.operations import imports
from tests.service.cases.test_import_limits import sheet, xlsx


def baseline_request_parse(content: bytes) -> int:
    """The upload request before: the whole workbook read with openpyxl (read-only)."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        return sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


def timed(action: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args()

    build, big = timed(lambda: xlsx(sheet(args.rows)))
    print(f"workbook: {args.rows} rows, {len(big) / 1e6:.2f} MB (built in {build:.1f} s)")
    before, rows = timed(lambda: baseline_request_parse(big))
    print(f"before  upload request parsed {rows} rows: {before:.2f} s")

    with (
        tempfile.TemporaryDirectory() as scratch,
        scratch_database(Path(scratch), "bench_imports", args.postgres) as url,
    ):
        upgrade(MIGRATIONS, url)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        app = create_app(test_settings(Path(scratch)), session_factory=sessions)
        client = app.test_client()
        importer = make_principal(Tenant.new(), role="org_admin")
        other = make_principal(Tenant.new(), role="staff")

        def post_upload(content: bytes) -> Any:
            return client.post(
                "/imports?filename=big.xlsx",
                data=content,
                content_type="application/octet-stream",
                headers=auth_header(importer),
            )

        request, answer = timed(lambda: post_upload(big))
        assert answer.status_code == 202, answer.json
        print(f"after   upload request: {request * 1000:.0f} ms (status {answer.json['status']})")
        print(f"        ratio before/after: {before / request:.0f}×")
        check, _ = timed(lambda: imports.run_queued(sessions, concurrent_writes=False))
        job = client.get(f"/imports/{answer.json['id']}", headers=auth_header(importer)).json
        codes = sorted({e["code"] for e in job["errors"]})
        print(
            f"after   worker check: {check:.2f} s, {job['rows_read']} rows read"
            f" → {job['status']} {codes}"
        )

        valid = xlsx(sheet(imports.PREVIEW_CASES * 25))  # 5,000 rows: the import limit
        uploaded = post_upload(valid).json
        imports.run_queued(sessions, concurrent_writes=False)
        queued = client.post(f"/imports/{uploaded['id']}/commit", headers=auth_header(importer))
        assert queued.status_code == 202, queued.json
        latencies: list[float] = []
        done = threading.Event()

        def other_member() -> None:
            while not done.is_set():
                took, response = timed(
                    lambda: client.post(
                        "/cases",
                        json={"person": {"display_name": "他団体 太郎"}},
                        headers=auth_header(other),
                    )
                )
                assert response.status_code == 201
                latencies.append(took)

        thread = threading.Thread(target=other_member)
        thread.start()
        commit, _ = timed(
            lambda: imports.run_queued(sessions, concurrent_writes=engine.dialect.name != "sqlite")
        )
        done.set()
        thread.join()
        job = client.get(f"/imports/{uploaded['id']}", headers=auth_header(importer)).json
        print(f"commit  5,000 cases: {commit:.2f} s → {job['status']}")
        if latencies:
            print(
                f"        another member's POST /cases meanwhile: n={len(latencies)} "
                f"p50 {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies):.2f} s"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
