"""Benchmark: the case page and the case list at 10,000 cases in one org.

    PYTHONPATH=. .venv/bin/python -m tests.bench.bench_cases [--cases 10000] [--postgres URL]
    PYTHONPATH=. .venv/bin/python -m tests.bench.bench_cases --stack [--postgres URL]

Seeds a scratch database (SQLite file; or a fresh PostgreSQL database on the server at
URL) with N cases of one org — each with a person, two consultations, an activity and
the stage history — then times requests. By default through the Flask app in-process
(Werkzeug test client: no network, no gunicorn; every request verifies a principal
token, runs the operation, writes its audit entry and commits). With ``--stack``, through
real processes: the gateway (session cookie, principal token from auth) and the cases
service under gunicorn, over loopback HTTP. Prints p50/p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from common.db import make_engine
from common.testing.databases import scratch_database
from common.testing.principals import Tenant, auth_header, make_principal
from common.testing.services import test_settings
from common.textnorm import search_key
from services.cases import MIGRATIONS, create_app
from services.cases.models import Activity, Case, Contact, Person, StageChange

SURNAMES = [
    ("山田", "やまだ"),
    ("佐藤", "さとう"),
    ("鈴木", "すずき"),
    ("高橋", "たかはし"),
    ("田中", "たなか"),
    ("伊藤", "いとう"),
    ("渡辺", "わたなべ"),
    ("中村", "なかむら"),
    ("小林", "こばやし"),
    ("加藤", "かとう"),
    ("西郷", "さいごう"),
    ("島津", "しまづ"),
]
GIVEN = [
    ("太郎", "たろう"),
    ("花子", "はなこ"),
    ("一郎", "いちろう"),
    ("美咲", "みさき"),
    ("健太", "けんた"),
    ("陽子", "ようこ"),
    ("翔", "しょう"),
    ("直美", "なおみ"),
]
STAGES = ["intake", "preparation", "experience", "job_search", "employed", "retention", "closed"]


def seed(engine: sa.Engine, org_id: uuid.UUID, staff_id: uuid.UUID, count: int) -> list[uuid.UUID]:
    rng = random.Random(7)
    start = datetime(2019, 4, 1, tzinfo=UTC)
    persons, cases, contacts, activities, changes = [], [], [], [], []
    ids = []
    for i in range(count):
        (sur, sur_kana), (given, given_kana) = rng.choice(SURNAMES), rng.choice(GIVEN)
        name, kana = f"{sur} {given}{i}", f"{sur_kana} {given_kana}"
        opened = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 365 * 3))
        pid, cid = uuid.uuid4(), uuid.uuid4()
        ids.append(cid)
        persons.append(
            {
                "id": pid,
                "org_id": org_id,
                "person_key": uuid.uuid4(),
                "display_name": name,
                "kana": kana,
                "anonymous": False,
                "search_key": f"{search_key(name)}\x1f{search_key(kana)}",
                "birth_year": rng.randrange(1965, 2004),
                "gender": rng.choice(["male", "female"]),
                "created_at": opened,
                "updated_at": opened,
            }
        )
        last = opened + timedelta(days=rng.randrange(0, 200))
        cases.append(
            {
                "id": cid,
                "org_id": org_id,
                "person_id": pid,
                "stage": rng.choice(STAGES),
                "assigned_to": staff_id if i % 3 == 0 else None,
                "created_by": staff_id,
                "opened_at": opened,
                "last_activity_at": last,
                "created_at": opened,
                "updated_at": last,
            }
        )
        for k in range(2):
            contacts.append(
                {
                    "id": uuid.uuid4(),
                    "org_id": org_id,
                    "case_id": cid,
                    "channel": "phone",
                    "by_party": "family" if k == 0 else "self",
                    "occurred_at": opened + timedelta(days=k * 7),
                    "minutes": 30,
                    "summary": "相談記録",
                    "recorded_by": staff_id,
                    "created_at": opened,
                }
            )
        activities.append(
            {
                "id": uuid.uuid4(),
                "org_id": org_id,
                "case_id": cid,
                "type": "workplace_tour",
                "occurred_at": last,
                "accompanied": True,
                "recorded_by": staff_id,
                "created_at": last,
            }
        )
        changes.append(
            {
                "id": uuid.uuid4(),
                "org_id": org_id,
                "case_id": cid,
                "from_stage": None,
                "to_stage": "intake",
                "kind": "open",
                "changed_at": opened,
                "recorded_by": staff_id,
                "created_at": opened,
            }
        )
    with engine.begin() as connection:
        for model, rows in (
            (Person, persons),
            (Case, cases),
            (Contact, contacts),
            (Activity, activities),
            (StageChange, changes),
        ):
            table = model.__table__
            for chunk in range(0, len(rows), 2000):
                connection.execute(sa.insert(table), rows[chunk : chunk + 2000])
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")
    return ids


def timed(label: str, runs: int, call: Callable[[], int]) -> tuple[str, float, float]:
    for _ in range(5):  # warm-up
        call()
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        status = call()
        samples.append((time.perf_counter() - began) * 1000)
        assert status == 200, status
    samples.sort()
    p50 = statistics.median(samples)
    p95 = samples[int(0.95 * (len(samples) - 1))]
    return label, p50, p95


def through_stack(args: argparse.Namespace) -> None:
    from urllib.parse import quote

    from common.testing.databases import server_broker_url
    from tests.e2e.helpers import new_world
    from tests.e2e.stack import Stack

    server = (args.postgres, server_broker_url() or "") if args.postgres else None
    if server and not server[1]:
        raise SystemExit("--stack with --postgres needs TSUNAGU_TEST_BROKER_URL too")
    workdir = Path(tempfile.mkdtemp(prefix="bench-cases-stack-"))
    with Stack(workdir, server=server, services=("auth", "cases")) as stack:
        world = new_world(stack, {"station": "support_station"}, roles=("staff",))
        client = world.user("station.staff")
        org_id, user_id = uuid.UUID(world.orgs["station"]), uuid.UUID(client.me["id"])
        engine = make_engine(stack.database_url("cases"))
        began = time.perf_counter()
        ids = seed(engine, org_id, user_id, args.cases)
        seeded = time.perf_counter() - began
        engine.dispose()
        rng = random.Random(1)

        def status(path: str) -> int:
            return client.request("GET", "/api/v1" + path, expect=None).status

        results = [
            timed(
                "GET /cases/{id}  (case page)",
                args.runs,
                lambda: status(f"/cases/{rng.choice(ids)}"),
            ),
            timed("GET /cases       (first page of 50)", args.runs, lambda: status("/cases")),
            timed(
                "GET /cases?q=ﾔﾏﾀﾞ (search, 50)",
                args.runs,
                lambda: status("/cases?q=" + quote("ﾔﾏﾀﾞ")),
            ),
            timed(
                "GET /cases?q=山田 太郎12",
                args.runs,
                lambda: status("/cases?q=" + quote("山田 太郎12")),
            ),
        ]
    mode = "postgresql" if server else "sqlite"
    print(
        f"backend: {mode}  cases: {args.cases}  seeded in {seeded:.1f}s  runs: {args.runs}  "
        "(through the gateway and gunicorn, loopback HTTP)"
    )
    report(results)


def report(results: list[tuple[str, float, float]]) -> None:
    print(f"{'request':48} {'p50 ms':>8} {'p95 ms':>8}")
    for label, p50, p95 in results:
        print(f"{label:48} {p50:8.1f} {p95:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--postgres", default=None, help="server URL for a scratch database")
    parser.add_argument("--stack", action="store_true", help="through the gateway and gunicorn")
    args = parser.parse_args()
    if args.stack:
        through_stack(args)
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench-cases-"))
    with scratch_database(tmp, "bench_cases", args.postgres) as url:
        from common.db import make_session_factory
        from common.migrations import upgrade

        upgrade(MIGRATIONS, url)
        engine = make_engine(url)
        tenant = Tenant.new("support_station")
        staff = make_principal(tenant, role="staff")
        began = time.perf_counter()
        ids = seed(engine, tenant.org_id, staff.user_id, args.cases)
        seeded = time.perf_counter() - began
        app = create_app(test_settings(tmp), session_factory=make_session_factory(engine))
        client = app.test_client()
        headers = auth_header(make_principal(tenant, role="staff", user_id=staff.user_id))
        rng = random.Random(1)
        results = [
            timed(
                "GET /cases/{id}  (case page)",
                args.runs,
                lambda: client.get(f"/cases/{rng.choice(ids)}", headers=headers).status_code,
            ),
            timed(
                "GET /cases       (first page of 50)",
                args.runs,
                lambda: client.get("/cases", headers=headers).status_code,
            ),
            timed(
                "GET /cases?q=ﾔﾏﾀﾞ (search, 50)",
                args.runs,
                lambda: client.get("/cases?q=ﾔﾏﾀﾞ", headers=headers).status_code,
            ),
            timed(
                "GET /cases?q=山田 太郎12",
                args.runs,
                lambda: client.get("/cases?q=山田 太郎12", headers=headers).status_code,
            ),
            timed(
                "GET /cases?stage=experience&assigned_to=me",
                args.runs,
                lambda: (
                    client.get(
                        "/cases?stage=experience&assigned_to=me", headers=headers
                    ).status_code
                ),
            ),
        ]
        engine.dispose()
    print(
        f"backend: {url.split(':')[0]}  cases: {args.cases}  seeded in {seeded:.1f}s  "
        f"runs: {args.runs}  (Flask test client, in-process)"
    )
    report(results)


if __name__ == "__main__":
    main()
