"""Demo reports: targets like the programmes' tables, and a history for the charts.

- Kagoshima's Support Station plans in three-year periods from 令和2年度, with the seed's
  targets for 令和2年度 (consultation persons 30, job seekers 10, paths decided 5) and
  rising targets after; the Kagoshima consortium has consortium-wide targets too.
- Yamanashi's consortium: LINE friends 15 / 100 / 100 and group programme 1 / 8 / 16 over
  its plan period 令和6〜8年度; its family association joins in year 2 (counted from
  1 June 2025 in the member tables). Kagoshima's members count from 1 April 2020.
- History: the Support Station's admin imports last years' consultation records from its
  old spreadsheet (the cases service's import), then records job searches and paths
  decided for some of those people — all through the gateway API, so every figure reaches
  the reports as events, exactly as in real use. If the cases service is not running the
  history is skipped (targets are still set).
"""

from __future__ import annotations

import csv
import io
import logging
import random
import time
from datetime import date, datetime, timedelta
from typing import Any

from common.clock import utcnow
from common.fiscal import fiscal_year_of
from tsunagu.demo.client import ApiFailure, GatewayClient
from tsunagu.demo.context import DemoContext

log = logging.getLogger(__name__)

KAGOSHIMA_START = 2020
KAGOSHIMA_TARGETS: dict[str, list[int]] = {
    # 令和2年度 is the seed's table; later years rise as the programme's plans did.
    "consulted_persons": [30, 35, 40, 45, 50, 55, 60, 65, 70],
    "job_search_persons": [10, 12, 14, 15, 16, 18, 20, 22, 24],
    "path_decided_persons": [5, 6, 7, 8, 9, 10, 11, 12, 13],
    "group_program_persons": [0, 0, 0, 5, 6, 8, 10, 12, 14],
}
KAGOSHIMA_CONSORTIUM: dict[str, list[int]] = {
    "consulted_persons": [60, 70, 80, 90, 100, 110, 120, 130, 140],
    "contacts_total": [300, 350, 400, 450, 500, 550, 600, 650, 700],
}
YAMANASHI_START = 2024
YAMANASHI_TARGETS: dict[str, list[int]] = {
    "line_friends": [15, 100, 100],  # 215 over the plan
    "group_program_persons": [1, 8, 16],  # 25 over the plan
    "consulted_persons": [20, 40, 60],
}

FAMILY_NAMES = ["上野", "川畑", "福永", "前田", "松元", "久保", "原田", "永山", "吉永", "迫田"]
GIVEN_NAMES = ["翔", "美咲", "大地", "彩", "誠", "恵", "拓也", "由紀", "亮", "千尋"]
CHANNELS = ["電話", "来所", "訪問", "LINE", "メール"]
RELATIONS = ["母", "父", "姉", "兄", "配偶者"]
HEADER = ["管理番号", "氏名", "生年", "性別", "市町村", "受付日", "相談日", "相談方法", "相談者"]
HEADER += ["続柄", "時間（分）"]


def _put_targets(
    client: GatewayClient, scope: str, start: int, targets: dict[str, list[int]], years: int
) -> None:
    count = len(next(iter(targets.values())))
    for i in range(count):
        body: dict[str, Any] = {
            "fiscal_year": start + i,
            "scope": scope,
            "targets": {kpi: values[i] or None for kpi, values in targets.items()},
        }
        if i == 0:
            body["plan"] = {"start_fiscal_year": start, "years": years}
        client.put("/reports/targets", body)


def seed_targets(ctx: DemoContext) -> None:
    _put_targets(
        ctx.as_user("kagoshima.saposute.admin"), "org", KAGOSHIMA_START, KAGOSHIMA_TARGETS, 3
    )
    _put_targets(
        ctx.as_user("kagoshima.center.admin"),
        "consortium",
        KAGOSHIMA_START,
        KAGOSHIMA_CONSORTIUM,
        3,
    )
    _put_targets(
        ctx.as_user("yamanashi.center.admin"), "consortium", YAMANASHI_START, YAMANASHI_TARGETS, 3
    )


def history_sheet(today: date, people: int = 160, seed: int = 2020) -> str:
    """A CSV as a Support Station would have kept it: one row per consultation, rows with
    the same 管理番号 forming one case, spread over the two fiscal years before this one and
    this year up to today; about a quarter consulted by family only."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    first = date(fiscal_year_of(utcnow()) - 2, 4, 1)
    span = (today - first).days - 1
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n in range(people):
        ref = f"R-{n + 1:04d}"
        person = [
            ref,
            f"{rng.choice(FAMILY_NAMES)} {rng.choice(GIVEN_NAMES)}",
            rng.randrange(1970, 1990),
            rng.choice(["男性", "女性"]),
            rng.choice(["鹿児島市", "霧島市", "鹿屋市", "姶良市"]),
        ]
        opened = first + timedelta(days=rng.randrange(span))
        family_only = rng.random() < 0.25
        for k in range(1 + rng.choice([0, 0, 1, 1, 2, 4])):
            day = min(
                opened + timedelta(days=21 * k + rng.randrange(10)), today - timedelta(days=1)
            )
            by = "家族" if family_only or (k == 0 and rng.random() < 0.3) else "本人"
            writer.writerow(
                [
                    *person,
                    opened.strftime("%Y/%m/%d"),
                    day.strftime("%Y/%m/%d"),
                    rng.choice(CHANNELS),
                    by,
                    rng.choice(RELATIONS) if by == "家族" else "",
                    rng.choice([20, 30, 45, 60]),
                ]
            )
    return out.getvalue()


def _wait(client: GatewayClient, path: str, done: Any, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        answer = client.get(path)
        if done(answer) or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


def _post_csv(client: GatewayClient, path: str, body: bytes) -> Any:
    """POST a raw CSV body, as the import page does (the client's JSON helpers cannot)."""
    headers = {"Content-Type": "text/csv", "Accept": "application/json"}
    if client.cookie:
        headers["Cookie"] = f"tsunagu_session={client.cookie}"
        headers["X-CSRF-Token"] = client.csrf_token or ""
    return client._http.request("POST", "/api/v1" + path, body=body, headers=headers)


def seed_history(ctx: DemoContext) -> None:
    admin = ctx.as_user("kagoshima.saposute.admin")
    sheet = history_sheet(utcnow().date()).encode("utf-8")
    job = _post_csv(admin, "/imports?filename=kagoshima-saposute-history.csv", sheet)
    if job.status not in (201, 202):
        log.warning("demo history skipped: the import answered %s", job.status)
        return
    job_id = job.json()["id"]
    # The cases worker checks the file first (a web request never parses a sheet).
    checked = _wait(
        admin, f"/imports/{job_id}", lambda j: j.get("status") not in ("uploaded", "checking")
    )
    if checked is None or checked.get("status") != "previewed":
        log.warning("demo history skipped: the import was not previewed")
        return
    admin.post(f"/imports/{job_id}/commit", expect=(200, 202))
    _wait(admin, f"/imports/{job_id}", lambda j: j.get("status") in ("committed", "failed"))
    seed_outcomes(admin)


def seed_outcomes(admin: GatewayClient) -> None:
    """For some of the imported people, in order and never in the future: a group
    programme, a job search, a path decided and the 6-month retention check-in."""
    rng = random.Random(7)  # noqa: S311 - demo data, not secrets
    cases: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = admin.get("/cases?limit=200" + (f"&cursor={cursor}" if cursor else ""))
        cases += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    now = utcnow()
    paths = ["employment_regular", "employment_nonregular", "vocational_training", "welfare"]
    for case in cases:
        opened = case.get("opened_at")
        if not opened or case.get("stage") == "closed" or rng.random() > 0.4:
            continue
        base = _parse(opened)
        steps: list[tuple[str, dict[str, Any]]] = []
        if rng.random() < 0.4:
            steps.append(
                (
                    "activities",
                    {
                        "type": "group_program",
                        "occurred_at": base + timedelta(days=rng.randrange(10, 40)),
                    },
                )
            )
        started = base + timedelta(days=rng.randrange(30, 120))
        steps.append(("outcomes", {"type": "job_search_started", "occurred_at": started}))
        if rng.random() < 0.5:
            decided = started + timedelta(days=rng.randrange(20, 90))
            steps.append(
                (
                    "outcomes",
                    {"type": "path_decided", "path": rng.choice(paths), "occurred_at": decided},
                )
            )
            checkpoint = decided + timedelta(days=183)
            steps.append(
                (
                    "activities",
                    {
                        "type": "retention_followup",
                        "occurred_at": checkpoint,
                        "checkpoint_months": 6,
                        "retained": rng.random() < 0.8,
                    },
                )
            )
        for kind, body in steps:
            if body["occurred_at"] >= now:
                break  # the future has not happened yet
            body["occurred_at"] = body["occurred_at"].isoformat()
            try:
                admin.post(f"/cases/{case['id']}/{kind}", body)
            except ApiFailure as failure:
                log.warning("demo %s skipped: %s", kind, failure)
                break


YAMANASHI_LATE_MEMBER = "yamanashi.family"
YAMANASHI_LATE_START = "2025-06-01"
"""Yamanashi adds a member in year 2 of its plan (令和7年度): the family association."""
KAGOSHIMA_MEMBERS_START = f"{KAGOSHIMA_START}-04-01"
"""Kagoshima's members were in the consortium from its plan's first day; their records
reach Tsunagu later (the Support Station imports its old sheet), so the consortium admin
dates their membership back — by default a member counts from its registration."""


def _set_start(admin: GatewayClient, org_id: str, starts_on: str, year: int) -> None:
    """Once the reports have heard of the member (its org.registered), set its start."""
    known = _wait(
        admin,
        f"/reports/members?fiscal_year={year}",
        lambda view: any(m["org_id"] == org_id for m in view.get("members", [])),
        timeout=30,
    )
    if not any(m["org_id"] == org_id for m in known.get("members", [])):
        log.warning("demo membership start skipped: the reports have not heard of %s", org_id)
        return
    admin.put(f"/reports/members/{org_id}", {"starts_on": starts_on})


def seed_membership(ctx: DemoContext) -> None:
    """The consortium admins set when their members start counting."""
    kagoshima = ctx.as_user("kagoshima.center.admin")
    for key, org_id in sorted(ctx.orgs.items()):
        if key.startswith("kagoshima."):
            _set_start(kagoshima, org_id, KAGOSHIMA_MEMBERS_START, KAGOSHIMA_START)
    late = ctx.orgs.get(YAMANASHI_LATE_MEMBER)
    if late is not None:
        yamanashi = ctx.as_user("yamanashi.center.admin")
        _set_start(yamanashi, late, YAMANASHI_LATE_START, YAMANASHI_START + 1)


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def seed(ctx: DemoContext) -> None:
    seed_targets(ctx)
    try:
        seed_membership(ctx)
    except ApiFailure as failure:
        log.warning("demo membership start skipped: %s", failure)
    try:
        seed_history(ctx)
    except ApiFailure as failure:
        log.warning("demo history skipped: %s", failure)
