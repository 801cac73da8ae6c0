"""Benchmark of the reports read model (issue 5) — a script, not a timed test.

    PYTHONPATH=. .venv/bin/python -m tests.bench.bench_reports            # SQLite (embedded)
    PYTHONPATH=. .venv/bin/python -m tests.bench.bench_reports --postgres  # on the test server

1. Builds a consortium of 20 orgs with 100,000 persons and 1,000,000 contacts over three
   fiscal years (plus case openings, outcomes, activities, referrals and LINE follows):
   the envelopes are bulk-inserted into ``report_events`` and the read model is computed by
   the rebuild path (``reports-rebuild``), which is timed too.
2. Measures, side by side in one run, the p95 latency of ``GET /reports/kpi`` (the real
   Flask app and principal verification, in process) against a naive query computing the
   same table at request time with GROUP BY / COUNT(DISTINCT) over the stored, decoded
   events (``report_facts``, indexed by org/consortium and year), and checks both give
   the same figures.
3. Measures the incremental consumer on the full database: applying one new contact and
   seeing it in the report; and, when the messaging kernel is present, event commit →
   visible in the report through each transport (the embedded SQLite broker; RabbitMQ when
   TSUNAGU_TEST_BROKER_URL is set).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from common.clock import JST
from common.db import make_engine, make_session_factory
from common.migrations import upgrade
from common.testing.databases import postgres_database, server_broker_url, server_database_url
from common.testing.principals import Tenant, auth_header, make_principal
from common.testing.services import test_settings
from services.reports import MIGRATIONS, create_app
from services.reports.domain.access import Scope, ScopeKind
from services.reports.domain.report import Counts, kpi_report
from services.reports.models import Fact, OrgDirectoryEntry, StoredEvent, Target
from services.reports.projection import apply_event
from services.reports.queries import plan_period, targets_for
from services.reports.rebuild import rebuild

START = datetime(2020, 4, 1, tzinfo=JST)
LINE_CHANNEL = "0b7e2f7a-1c7d-4d2b-9a51-3f3c2a7f6b10"
"""The one LINE channel of the generated events (its org is the first member)."""
SPAN = (datetime(2023, 4, 1, tzinfo=JST) - START).total_seconds()
PATHS = (
    "employment_regular",
    "employment_nonregular",
    "vocational_training",
    "education",
    "welfare",
)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _fy(moment: datetime) -> int:
    day = moment.astimezone(JST)
    return day.year if day.month >= 4 else day.year - 1


class Generator:
    """Envelopes as the producers would send them, generated straight to JSON."""

    def __init__(self, orgs: int, persons: int, contacts: int, seed: int = 42) -> None:
        self.rng = random.Random(seed)
        self.consortium = uuid.uuid4()
        self.orgs = [uuid.uuid4() for _ in range(orgs)]
        self.persons = persons
        self.contacts = contacts
        self.keys = [str(uuid.uuid4()) for _ in range(persons)]
        self.home = [self.rng.randrange(orgs) for _ in range(persons)]
        # One in ten is referred on to a second member, which opens its own case.
        self.second = {
            p: (self.home[p] + 1 + self.rng.randrange(orgs - 1)) % orgs
            for p in range(persons)
            if self.rng.random() < 0.1
        }

    def _when(self) -> datetime:
        return START + timedelta(seconds=self.rng.random() * SPAN)

    def _row(
        self,
        type_: str,
        org: int | None,
        data: dict[str, Any],
        at: datetime,
        producer: str = "cases",
    ) -> dict[str, Any]:
        event_id = uuid.uuid4()
        org_id = self.orgs[org] if org is not None else None
        body = {
            "id": str(event_id),
            "type": type_,
            "occurred_at": _iso(at),
            "producer": producer,
            "org_id": str(org_id) if org_id else None,
            "consortium_id": str(self.consortium),
            "actor_id": None,
            "subject_id": str(uuid.uuid4()),
            "version": 1,
            "request_id": None,
            "data": data,
        }
        return {
            "event_id": event_id,
            "type": type_,
            "occurred_at": at.astimezone(UTC),
            "org_id": org_id,
            "consortium_id": self.consortium,
            "received_at": datetime.now(UTC),
            "body": json.dumps(body, separators=(",", ":")),
        }

    def _org_of(self, p: int) -> int:
        second = self.second.get(p)
        return second if second is not None and self.rng.random() < 0.5 else self.home[p]

    def _person(
        self, type_: str, p: int, data: dict[str, Any], at: datetime, org: int | None = None
    ) -> dict[str, Any]:
        return self._row(
            type_,
            self._org_of(p) if org is None else org,
            {"person_key": self.keys[p], "case_id": str(uuid.uuid4()), **data},
            at,
        )

    def events(self) -> Iterator[dict[str, Any]]:
        for i, org_id in enumerate(self.orgs):
            kind = "prefectural_center" if i == 0 else "npo"
            yield self._row(
                "org.registered",
                i,
                {
                    "org_id": str(org_id),
                    "consortium_id": str(self.consortium),
                    "name": f"会員{i:02d}",
                    "kind": kind,
                    "sector": "private",
                    "status": "active",
                },
                START - timedelta(days=30),
                producer="auth",
            )
        for p in range(self.persons):
            at = self._when()
            yield self._person(
                "case.opened",
                p,
                {
                    "opened_at": _iso(at),
                    "fiscal_year": _fy(at),
                    "stage": "intake",
                    "origin_referral_id": None,
                    "age_band": "40s",
                    "gender": "unknown",
                },
                at,
                org=self.home[p],
            )
        for n in range(self.contacts):
            p = n if n < self.persons else self.rng.randrange(self.persons)
            at = self._when()
            by = "family" if self.rng.random() < 0.25 else "self"
            yield self._person(
                "contact.logged",
                p,
                {
                    "contact_id": str(uuid.uuid4()),
                    "channel": "phone",
                    "by": by,
                    "occurred_at": _iso(at),
                    "fiscal_year": _fy(at),
                    "minutes": 30,
                },
                at,
            )
        for p in self.rng.sample(range(self.persons), self.persons // 5):
            at = self._when()
            yield self._person(
                "outcome.recorded",
                p,
                {
                    "outcome_id": str(uuid.uuid4()),
                    "type": "job_search_started",
                    "path": None,
                    "occurred_at": _iso(at),
                    "fiscal_year": _fy(at),
                },
                at,
            )
        for p in self.rng.sample(range(self.persons), self.persons // 12):
            at = self._when()
            yield self._person(
                "outcome.recorded",
                p,
                {
                    "outcome_id": str(uuid.uuid4()),
                    "type": "path_decided",
                    "path": self.rng.choice(PATHS),
                    "occurred_at": _iso(at),
                    "fiscal_year": _fy(at),
                },
                at,
            )
        for p in self.rng.sample(range(self.persons), self.persons // 7):
            at = self._when()
            yield self._person(
                "activity.recorded",
                p,
                {
                    "activity_id": str(uuid.uuid4()),
                    "type": "group_program",
                    "occurred_at": _iso(at),
                    "fiscal_year": _fy(at),
                },
                at,
            )
        for p in self.rng.sample(range(self.persons), self.persons // 30):
            at = self._when()
            yield self._person(
                "activity.recorded",
                p,
                {
                    "activity_id": str(uuid.uuid4()),
                    "type": "retention_followup",
                    "checkpoint_months": 6,
                    "retained": True,
                    "occurred_at": _iso(at),
                    "fiscal_year": _fy(at),
                },
                at,
            )
        for p, second in self.second.items():
            sent = self._when()
            referral = str(uuid.uuid4())
            common = {
                "referral_id": referral,
                "from_org_id": str(self.orgs[self.home[p]]),
                "to_org_id": str(self.orgs[second]),
            }
            for status, hours in (("sent", 0), ("accepted", 20 + self.rng.random() * 100)):
                at = sent + timedelta(hours=hours)
                yield self._row(
                    f"referral.{status}",
                    self.home[p] if status == "sent" else second,
                    {**common, "status": status, "at": _iso(at), "fiscal_year": _fy(at)},
                    at,
                    producer="referrals",
                )
        for n in range(self.persons // 5):
            at = self._when()
            type_ = "line.unfollowed" if n % 8 == 0 else "line.followed"
            data: dict[str, Any] = {
                "channel_id": LINE_CHANNEL,
                "line_user_hash": f"{n:016x}",
                "at": _iso(at),
                "fiscal_year": _fy(at),
            }
            if type_ == "line.followed":
                data["refollow"] = n % 16 == 1
            yield self._row(type_, 0, data, at, producer="line")


def build(engine: sa.Engine, generator: Generator, batch: int = 20000) -> int:
    table = StoredEvent.__table__
    count = 0
    rows: list[dict[str, Any]] = []
    with engine.begin() as connection:
        for row in generator.events():
            rows.append(row)
            if len(rows) >= batch:
                connection.execute(sa.insert(table), rows)
                count += len(rows)
                rows = []
        if rows:
            connection.execute(sa.insert(table), rows)
            count += len(rows)
    return count


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    return {
        "n": len(samples),
        "p50": at(0.5),
        "p95": at(0.95),
        "p99": at(0.99),
        "mean": statistics.mean(samples) * 1000,
    }


def naive_kpi(session: Any, scope: Scope, year: int) -> dict[str, Any]:
    """The same table, computed at request time over the decoded stored events."""
    plan = plan_period(session, scope, year)
    column = Fact.org_id if scope.kind is ScopeKind.ORG else Fact.consortium_id
    tallies: dict[int, dict[str, Counts]] = {}
    for fy, measure, events, persons in session.execute(
        sa.select(
            Fact.fiscal_year,
            Fact.measure,
            sa.func.count(),
            sa.func.count(sa.distinct(Fact.subject)),
        )
        .where(column == scope.id, Fact.fiscal_year.in_(plan.fiscal_years))
        .group_by(Fact.fiscal_year, Fact.measure)
    ):
        tallies.setdefault(fy, {})[measure] = Counts(events, persons)
    return kpi_report(year, plan, tallies, targets_for(session, scope, plan.fiscal_years))


def _figures(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (r["kpi"], r["actual"], r["persons"], r["contacts"], r["target"], r["cumulative"]["actual"])
        for r in report["rows"]
    ]


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    samples, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - started)
    return samples, result


@contextmanager
def database(postgres: bool, tmp: Path) -> Iterator[str]:
    if postgres:
        url = server_database_url()
        if not url:
            raise SystemExit("--postgres needs TSUNAGU_TEST_DATABASE_URL")
        with postgres_database(url, "bench_reports") as scratch:
            yield scratch
    else:
        yield f"sqlite:///{tmp / 'reports-bench.sqlite3'}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orgs", type=int, default=20)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300, help="KPI requests to the endpoint")
    parser.add_argument("--naive", type=int, default=18, help="naive queries (they are slow)")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--keep", help="keep the SQLite file in this folder")
    parser.add_argument(
        "--reuse", action="store_true", help="with --keep: measure an already built database"
    )
    args = parser.parse_args()

    tmp_context = nullcontext(args.keep) if args.keep else tempfile.TemporaryDirectory()
    with tmp_context as tmp_name, database(args.postgres, Path(tmp_name)) as url:
        tmp = Path(tmp_name)
        backend = "PostgreSQL" if args.postgres else "SQLite"
        print(
            f"backend: {backend}; {args.orgs} orgs, {args.persons:,} persons, "
            f"{args.contacts:,} contacts"
        )
        upgrade(MIGRATIONS, url)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        generator = Generator(args.orgs, args.persons, args.contacts)

        with sessions() as session:
            existing = session.scalar(sa.select(sa.func.count()).select_from(StoredEvent))
        if args.reuse and existing:
            print(f"reusing {existing:,} stored events and their read model (--reuse)")
            with sessions() as session:
                orgs = dict(
                    session.execute(
                        sa.select(OrgDirectoryEntry.name, OrgDirectoryEntry.org_id)
                    ).all()
                )
                consortium = session.scalar(sa.select(OrgDirectoryEntry.consortium_id))
            generator.consortium = consortium
            generator.orgs = [orgs[name] for name in sorted(orgs)]
        else:
            started = time.perf_counter()
            stored = build(engine, generator)
            print(
                f"stored events: {stored:,} in {time.perf_counter() - started:.1f} s (bulk insert)"
            )
            with sessions() as session:
                stats = rebuild(session)
            print(
                f"rebuild: {stats.facts:,} facts, {stats.tallies:,} tallies "
                f"in {stats.seconds:.1f} s"
            )

        consortium = generator.consortium
        center = Tenant(generator.orgs[0], consortium, "prefectural_center")
        member = Tenant(generator.orgs[1], consortium, "npo")
        with sessions() as session:
            session.execute(sa.delete(Target))
            for kind, scope_id in (("org", member.org_id), ("consortium", consortium)):
                for year, value in ((2020, 30), (2021, 35), (2022, 40)):
                    session.add(
                        Target(
                            scope_kind=kind,
                            scope_id=scope_id,
                            fiscal_year=year,
                            kpi="consulted_persons",
                            target=value * (50 if kind == "consortium" else 2),
                        )
                    )
            session.commit()

        app = create_app(test_settings(tmp), session_factory=sessions)
        client = app.test_client()
        readers = {
            "org": (Scope(ScopeKind.ORG, member.org_id), auth_header(make_principal(member))),
            "consortium": (
                Scope(ScopeKind.CONSORTIUM, consortium),
                auth_header(make_principal(center)),
            ),
        }
        combos = [(s, y) for s in ("org", "consortium") for y in (2020, 2021, 2022)]

        def endpoint(scope: str, year: int) -> dict[str, Any]:
            response = client.get(
                f"/reports/kpi?fiscal_year={year}&scope={scope}", headers=readers[scope][1]
            )
            assert response.status_code == 200, response.data
            return response.json  # type: ignore[no-any-return]

        for scope, year in combos * 5:  # warm-up
            endpoint(scope, year)
        fast: dict[str, list[float]] = {"org": [], "consortium": []}
        for i in range(args.requests):
            scope, year = combos[i % len(combos)]
            samples, _ = timed(lambda scope=scope, year=year: endpoint(scope, year), 1)
            fast[scope] += samples
        slow: dict[str, list[float]] = {"org": [], "consortium": []}
        identical = True
        for i in range(args.naive):
            scope, year = combos[i % len(combos)]
            # A session per query: on SQLite every transaction holds the write lock (common.db).
            with sessions() as session:
                samples, naive = timed(
                    lambda scope=scope, year=year, session=session: naive_kpi(
                        session, readers[scope][0], year
                    ),
                    1,
                )
            slow[scope] += samples
            shown = endpoint(scope, year)
            if scope == "org":  # the consortium view hides small cells; compare unsuppressed
                identical &= _figures(naive) == _figures(shown)
            else:
                identical &= [f[1] for f in _figures(naive) if f[1] == 0 or f[1] >= 5] == [
                    f[1] for f in _figures(shown) if isinstance(f[1], int)
                ]
        print()
        print(f"{'GET /reports/kpi':<28}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
        overall_fast = percentiles(fast["org"] + fast["consortium"])
        overall_slow = percentiles(slow["org"] + slow["consortium"])
        for label, samples in (
            ("read model, org", fast["org"]),
            ("read model, consortium", fast["consortium"]),
            ("read model, all", fast["org"] + fast["consortium"]),
            ("naive GROUP BY, org", slow["org"]),
            ("naive GROUP BY, consortium", slow["consortium"]),
            ("naive GROUP BY, all", slow["org"] + slow["consortium"]),
        ):
            p = percentiles(samples)
            print(f"{label:<28}{p['n']:>6}{p['p50']:>10.2f}{p['p95']:>10.2f}{p['p99']:>10.2f}")
        ratio = overall_slow["p95"] / overall_fast["p95"]
        print(
            f"\np95 ratio naive / read model: {ratio:.0f}x   "
            f"(same figures: {'yes' if identical else 'NO'})"
        )
        print(
            f"aim: p95 <= 50 ms ({'met' if overall_fast['p95'] <= 50 else 'missed'}), "
            f">= 50x ({'met' if ratio >= 50 else 'missed'})"
        )

        incremental(sessions, endpoint, generator, member)
        transports(url, tmp, sessions, endpoint, generator, member)
        engine.dispose()


def _contact(generator: Generator, member: Tenant) -> Any:
    from common.messaging.envelope import Event

    at = datetime(2022, 6, 1, 10, tzinfo=JST)
    return Event(
        type="contact.logged",
        producer="cases",
        org_id=member.org_id,
        consortium_id=member.consortium_id,
        subject_id=uuid.uuid4(),
        data={
            "contact_id": str(uuid.uuid4()),
            "case_id": str(uuid.uuid4()),
            "person_key": str(uuid.uuid4()),
            "channel": "phone",
            "by": "self",
            "occurred_at": _iso(at),
            "fiscal_year": 2022,
            "minutes": 10,
        },
    )


def _contacts_2022(endpoint: Callable[[str, int], dict[str, Any]]) -> int:
    rows = {r["kpi"]: r for r in endpoint("org", 2022)["rows"]}
    return int(rows["contacts_total"]["actual"])


def incremental(
    sessions: Any,
    endpoint: Callable[[str, int], dict[str, Any]],
    generator: Generator,
    member: Tenant,
    n: int = 200,
) -> None:
    """The consumer's own cost on the full database: apply one new contact (its own
    transaction) and read it back from the report."""
    before = _contacts_2022(endpoint)
    applied: list[float] = []
    visible: list[float] = []
    for _ in range(n):
        event = _contact(generator, member)
        started = time.perf_counter()
        with sessions() as session:
            apply_event(session, event)
            session.commit()
        applied.append(time.perf_counter() - started)
        _contacts_2022(endpoint)
        visible.append(time.perf_counter() - started)
    assert _contacts_2022(endpoint) == before + n
    a, v = percentiles(applied), percentiles(visible)
    print(f"\nincremental consumer on the full database ({n} contacts, one transaction each):")
    print(
        f"  apply + commit      p50 {a['p50']:.2f} ms  p95 {a['p95']:.2f} ms  "
        f"({1000 / a['mean']:.0f} events/s)"
    )
    print(f"  apply → in report   p50 {v['p50']:.2f} ms  p95 {v['p95']:.2f} ms")


def transports(
    url: str,
    tmp: Path,
    sessions: Any,
    endpoint: Callable[[str, int], dict[str, Any]],
    generator: Generator,
    member: Tenant,
    n: int = 50,
) -> None:
    """Event commit (a producer's outbox row) → visible in the report, through the relay,
    the broker and the reports consumer, on each transport."""
    if importlib.util.find_spec("common.messaging.consumer") is None:
        print("\ntransport latency: skipped (the messaging kernel is not on this branch yet)")
        return
    from tests.bench.bench_reports_transport import commit_to_visible

    brokers = [("embedded SQLite broker", f"sqlite://{tmp / 'broker.sqlite3'}")]
    if server_broker_url():
        brokers.append(("RabbitMQ", str(server_broker_url())))
    for label, broker_url in brokers:
        samples = commit_to_visible(
            broker_url,
            tmp,
            sessions,
            lambda: _contacts_2022(endpoint),
            lambda: _contact(generator, member),
            n,
        )
        p = percentiles(samples)
        print(
            f"\ncommit → visible, {label} ({p['n']} events): "
            f"p50 {p['p50']:.1f} ms  p95 {p['p95']:.1f} ms"
            f"  p99 {p['p99']:.1f} ms"
        )


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
