"""Kagoshima's and Yamanashi's details on the demo as ``make run`` seeds it, through the
gateway of real processes: the allowance ledger has the Support Station's paid work, the
ladder has people on its rungs, and Yamanashi's member that joined in year 2 counts from
its start — each page in Japanese, without an English sentence or a bare id."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from common.clock import utcnow
from common.config import SERVICES
from common.fiscal import fiscal_year_of
from tests.e2e.conftest import STACK_SERVICES
from tests.e2e.stack import MadeRun, make_run
from tests.support.crawler import ENGLISH_RUN, UUID
from tsunagu.demo.client import GatewayClient

pytestmark = pytest.mark.e2e
TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MadeRun]:
    if STACK_SERVICES != SERVICES:
        pytest.skip("needs every service")
    with make_run(tmp_path_factory.mktemp("demo"), demo=True) as running:
        yield running


def _client(made: MadeRun, key: str) -> GatewayClient:
    saved = json.loads((made.data_dir / "demo.json").read_text())
    client = GatewayClient(made.url())
    client.sign_in(saved["logins"][key]["email"], saved["password"])
    return client


def _eventually(read: Callable[[], Any], done: Callable[[Any], bool], timeout: float = 90) -> Any:
    """Events reach the reports a moment after the demo wrote them."""
    deadline = time.monotonic() + timeout
    while True:
        answer = read()
        if done(answer) or time.monotonic() > deadline:
            return answer
        time.sleep(1)


def _page_text(client: GatewayClient, path: str) -> str:
    response = client.request("GET", path, headers={"Accept": "text/html"}, expect=200)
    text = re.sub(r"\s+", " ", TAGS.sub(" ", response.body.decode()))
    english = [m.group(0) for m in ENGLISH_RUN.finditer(text.replace("Tsunagu", ""))]
    english = [e for e in english if "Skip to content" not in e and "Japan Standard" not in e]
    assert not english, (path, english)
    assert not UUID.search(text), path
    return text


def test_the_support_stations_allowances_and_ladder(demo: MadeRun) -> None:
    staff = _client(demo, "kagoshima.saposute.staff")
    year = fiscal_year_of(utcnow())
    ledger = _eventually(
        lambda: staff.get(f"/reports/allowances?fiscal_year={year}"),
        lambda body: body["total"]["allowance_yen"] > 0,
    )
    assert ledger["total"]["allowance_yen"] > 0, ledger
    assert all("name" not in line for line in ledger["persons"])
    text = _page_text(staff, f"/reports/allowances?fiscal_year={year}")
    assert "手当台帳" in text
    assert "本人ごとの合計" in text

    ladder = staff.get(f"/reports/ladder?fiscal_year={year}")
    persons = {r["rung"]: r["persons"] for r in ladder["rungs"]}
    assert persons["consultation"] > 0, persons
    text = _page_text(staff, f"/reports/?fiscal_year={year}&scope=org")
    assert "支援の段階（相談から定着まで）と各段階の日数" in text


def test_yamanashis_member_counts_from_its_start(demo: MadeRun) -> None:
    admin = _client(demo, "yamanashi.center.admin")
    tables = _eventually(
        lambda: admin.get("/reports/members?fiscal_year=2025"),
        lambda body: any(m["start_set"] for m in body["members"]),
    )
    late = [m for m in tables["members"] if m["start_set"]]
    assert [m["starts_on"] for m in late] == ["2025-06-01"]
    assert [y["status"] for y in late[0]["years"]] == ["before", "partial", "member"]
    assert tables["suppressed"] is False
    text = _page_text(admin, "/reports/members?fiscal_year=2025")
    assert "加入前" in text
    assert "年度途中から" in text


def test_kagoshimas_members_count_from_the_plans_first_day(demo: MadeRun) -> None:
    """The Support Station's imported history is in the member tables: the consortium admin
    dated the memberships back to 1 April 2020."""
    admin = _client(demo, "kagoshima.center.admin")
    tables = _eventually(
        lambda: admin.get("/reports/members?fiscal_year=2020"),
        lambda body: bool(body["members"]) and all(m["start_set"] for m in body["members"]),
    )
    assert {m["starts_on"] for m in tables["members"]} == {"2020-04-01"}
    year = fiscal_year_of(utcnow()) - 1
    recent = admin.get(f"/reports/members?fiscal_year={year}")
    consulted = [
        y["figures"]["consulted_persons"]
        for m in recent["members"]
        for y in m["years"]
        if y["fiscal_year"] == year
    ]
    assert sum(consulted) > 0, recent
