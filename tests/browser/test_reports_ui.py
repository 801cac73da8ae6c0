"""The reports page in a real browser, on a stack of real processes (gateway, auth,
reports and their workers): the seed's year arrives as events through the broker, the org
admin sets the targets in the editor, reads the table and the charts, exports, freezes the
year, sees a late correction as a difference; the consortium admin sees "<5"; and the page
works at 375 px and from the keyboard. Screenshots go to test-artifacts/reports-*.png."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from common.messaging import topology
from common.messaging.broker import Publisher
from common.messaging.envelope import Event
from common.testing.principals import Tenant
from tests.browser.conftest import shot
from tests.e2e.helpers import PASSWORD, World, new_world
from tests.e2e.stack import Stack
from tests.service.reports.factories import Person, jst
from tests.service.reports.test_seed_table import seed_year
from tests.support.waiting import wait_for

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def reports_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with Stack(tmp_path_factory.mktemp("reports-stack"), services=("auth", "reports")) as s:
        yield s


@pytest.fixture(scope="module")
def world(reports_stack: Stack) -> World:
    world = new_world(
        reports_stack,
        {"saposute": "npo", "center": "prefectural_center"},
        roles=("org_admin",),
    )
    world.add_user("center", "consortium_admin")
    return world


def publish(stack: Stack, events: list[Event]) -> None:
    namespace = stack.env.get("TSUNAGU_BROKER_NAMESPACE", "tsunagu")
    broker = (
        stack.env.get("TSUNAGU_BROKER_URL")
        or f"sqlite://{stack.workdir / 'data' / 'broker.sqlite3'}"
    )
    publisher = Publisher(broker, namespace=namespace)
    try:
        for event in events:
            publisher.publish(
                event.to_json(),
                exchange=topology.events_exchange(namespace),
                routing_key=event.routing_key,
                message_id=str(event.id),
            )
    finally:
        publisher.close()


def kpi(world: World, key: str, scope: str = "org") -> dict[str, Any]:
    report: dict[str, Any] = world.user(key).get(f"/reports/kpi?fiscal_year=2020&scope={scope}")
    return {row["kpi"]: row for row in report["rows"]}


@pytest.fixture(scope="module")
def seeded(reports_stack: Stack, world: World) -> Tenant:
    npo = Tenant(uuid.UUID(world.orgs["saposute"]), uuid.UUID(world.consortium_id), "npo")
    events = [e for e in seed_year(npo) if not e.type.startswith("org.")]
    publish(reports_stack, events)
    wait_for(
        lambda: kpi(world, "saposute.org_admin")["contacts_total"]["actual"] == 759,
        timeout=120,
        interval=0.5,
        what="the seed year to reach the report",
    )
    return npo


def sign_in(page: Any, stack: Stack, email: str) -> None:
    page.goto(stack.url() + "/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def test_the_org_admin_sets_targets_reads_the_table_and_freezes_the_year(
    page: Any, reports_stack: Stack, world: World, seeded: Tenant
) -> None:
    sign_in(page, reports_stack, world.emails["saposute.org_admin"])
    page.get_by_role("link", name="報告・KPI").first.click()
    page.locator("#pick-year").select_option("2020")
    page.get_by_role("button", name="表示").click()
    assert page.locator("h1").inner_text().startswith("報告・KPI")

    page.get_by_role("button", name="目標を編集").click()
    page.locator("#f-plan_start").fill("2020")
    page.locator("#f-plan_years").fill("3")
    page.locator("#f-t-consulted_persons-2020").fill("30")
    page.locator("#f-t-job_search_persons-2020").fill("10")
    page.locator("#f-t-path_decided_persons-2020").fill("5")
    page.locator("#f-t-consulted_persons-2021").fill("-3")
    page.get_by_role("button", name="目標を保存").click()
    error = page.locator(".field-error", has_text="0以上の整数を入力してください。")
    assert error.is_visible()
    assert page.locator(".error-summary").evaluate("e => e === document.activeElement")
    shot(page, "reports-02-targets-error")
    page.locator("#f-t-consulted_persons-2021").fill("35")
    page.get_by_role("button", name="目標を保存").click()
    assert page.get_by_text("目標を保存しました。").is_visible()

    table = page.locator("table.kpi-table")
    first = table.locator("tbody tr").first
    assert first.locator("th").inner_text() == "相談窓口（家族による相談含む）人数"
    cells = first.locator("td").all_inner_texts()
    assert cells[:3] == ["30", "512", "1706.7%"]
    job = table.locator("tbody tr").nth(1).locator("td").all_inner_texts()
    assert job[:3] == ["10", "69", "690.0%"]
    path = table.locator("tbody tr").nth(2).locator("td").all_inner_texts()
    assert path[:3] == ["5", "21", "420.0%"]
    assert table.locator("thead").inner_text().count("令和2年度") >= 1
    # Every chart is an image with a name, and has a table beside it.
    charts = page.locator("svg.chart[role='img']")
    assert charts.count() >= 7
    assert page.locator("figure table").count() >= 7
    shot(page, "reports-01-kpi")

    csv = page.request.get(
        reports_stack.url() + "/api/v1/reports/kpi.csv?fiscal_year=2020&scope=org"
    )
    assert csv.body()[:3] == b"\xef\xbb\xbf"

    page.locator("#snap-note").fill("県へ提出")
    page.get_by_role("button", name="この年度の報告を確定する").click()
    assert page.get_by_text("報告を第1版として確定しました。").is_visible()
    assert page.get_by_text("現在の数値はこの版と同じです。").is_visible()

    # A consultation of 20 March 2021, logged late, after the report was submitted.
    publish(reports_stack, [Person(seeded).contact(jst(2021, 3, 20))])
    wait_for(
        lambda: kpi(world, "saposute.org_admin")["consulted_persons"]["actual"] == 513,
        timeout=60,
        interval=0.3,
    )
    page.reload()
    assert page.get_by_text(
        "確定後の訂正は現在の数値に反映され、この版は変わりません："
    ).is_visible()
    diff = page.locator("section[aria-labelledby='h-diff'] tbody tr").first
    assert diff.locator("td").all_inner_texts() == ["実績", "512", "513", "+1"]
    frozen = page.locator("table.kpi-table tbody tr").first.locator("td").all_inner_texts()
    assert frozen[1] == "512"
    shot(page, "reports-03-snapshot-diff")


def test_the_consortium_admin_sees_aggregates_with_small_cells_hidden(
    page: Any, reports_stack: Stack, world: World, seeded: Tenant
) -> None:
    sign_in(page, reports_stack, world.emails["center.consortium_admin"])
    page.goto(reports_stack.url() + "/reports/?fiscal_year=2020&scope=consortium")
    assert page.get_by_text("1〜4の数は「<5」と表示します。").is_visible()
    table = page.locator("table.kpi-table")
    assert table.locator("tbody tr").first.locator("td").nth(1).inner_text() in ("512", "513")
    shot(page, "reports-04-consortium")


def test_the_report_page_works_at_375_px_and_from_the_keyboard(
    page: Any, reports_stack: Stack, world: World, seeded: Tenant
) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, reports_stack, world.emails["saposute.org_admin"])
    page.goto(reports_stack.url() + "/reports/")
    # The pickers are reached and used from the keyboard alone.
    page.locator("#pick-year").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "pick-scope"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    page.keyboard.press("Enter")
    page.wait_for_url("**fiscal_year=**")
    page.goto(reports_stack.url() + "/reports/?fiscal_year=2020")
    # Nothing but the wide tables scrolls sideways on a phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
    assert page.locator("table.kpi-table").is_visible()
    shot(page, "reports-05-phone")
    assert page.title().startswith("報告・KPI")
