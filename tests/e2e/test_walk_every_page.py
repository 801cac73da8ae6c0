"""The product as people meet it (issue 11): ``make run`` with the demo, then every demo
login walks every kind of page reachable by a link — lists' later pages included — in
Japanese and in English. A 5xx, a link to a 404, server-error text, a bare id shown to a
person or an English sentence in the Japanese UI fails the walk (tests/support/crawler.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from common.config import SERVICES
from tests.e2e.conftest import STACK_SERVICES
from tests.e2e.stack import MadeRun, make_run
from tests.support.crawler import shape, walk
from tsunagu.demo.client import GatewayClient

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MadeRun]:
    if STACK_SERVICES != SERVICES:
        pytest.skip("needs every service")
    with make_run(tmp_path_factory.mktemp("demo"), demo=True) as running:
        yield running


def logins(made: MadeRun) -> tuple[str, dict[str, dict[str, str]]]:
    saved = json.loads((made.data_dir / "demo.json").read_text())
    return saved["password"], saved["logins"]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_demo_login_walks_every_page_without_a_defect(demo: MadeRun, lang: str) -> None:
    password, people = logins(demo)
    assert len(people) >= 10
    problems: list[str] = []
    kinds: set[str] = set()
    for key, person in people.items():
        client = GatewayClient(demo.url())
        client.sign_in(person["email"], password)
        result = walk(client, lang=lang)
        assert len(result.visited) >= 10, f"{key} reached only {result.visited}"
        kinds.update(shape(p) for p in result.visited)
        problems += [f"{key}: {finding}" for finding in result.findings]
    assert not problems, "\n".join(problems)
    # The walk reached the lists' later pages and the pages behind them.
    assert {"/cases/?cursor", "/cases/{id}", "/referrals/{id}", "/audit?cursor"} <= kinds


def test_the_demo_is_big_enough_to_show_volume(demo: MadeRun) -> None:
    password, people = logins(demo)
    station = people["kagoshima.saposute.staff"]
    client = GatewayClient(demo.url())
    client.sign_in(station["email"], password)
    pages, cursor = 0, None
    while True:
        answer = client.get("/cases" + (f"?cursor={cursor}" if cursor else ""))
        pages += 1
        cursor = answer.get("next_cursor")
        if not cursor:
            break
    assert pages >= 3  # several pages in the Support Station's case list


def test_a_stranger_is_sent_to_sign_in_from_every_page(demo: MadeRun) -> None:
    password, people = logins(demo)
    staff = GatewayClient(demo.url())
    staff.sign_in(people["kagoshima.saposute.staff"]["email"], password)
    pages = walk(staff, lang="ja").visited
    stranger = GatewayClient(demo.url())
    for path in pages:
        answer = stranger.request("GET", path, headers={"Accept": "text/html"}, expect=None)
        location = dict((k.lower(), v) for k, v in answer.headers).get("location", "")
        assert answer.status in (302, 303), (path, answer.status)
        assert "/login" in location, (path, location)
