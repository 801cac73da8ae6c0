"""The case pages in Chromium: open a case, log a consultation in a few taps on a phone,
and see it on the timeline."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import shot
from tests.e2e.helpers import PASSWORD, new_world
from tests.e2e.stack import Stack

pytestmark = pytest.mark.browser


def sign_in(page: Any, stack: Stack, email: str) -> None:
    page.goto(stack.url() + "/login")
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(stack.url() + "/")


def test_log_a_consultation_on_a_phone_and_see_it_on_the_timeline(page: Any, stack: Stack) -> None:
    world = new_world(stack, {"station": "support_station"}, roles=("staff",))
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, stack, world.emails["station.staff"])

    page.goto(stack.url() + "/cases/new")
    page.fill("#f-display_name", "霧島 太郎")
    page.fill("#f-kana", "ｷﾘｼﾏ ﾀﾛｳ")
    page.fill("#f-birth_year", "1981")
    page.fill("#f-summary", "母から電話。息子が10年ほど自室から出ない。")
    page.click("text=ケースを開く")
    page.wait_for_selector("h1:has-text('霧島 太郎')")
    assert page.locator(".ladder li[aria-current=step]").first.inner_text().endswith("受付")

    # Quick entry after a home visit: channel and who are single taps.
    page.click("label.chip:has-text('訪問') >> nth=0")
    page.click("label.chip:has-text('本人')")
    page.fill("#f-minutes", "45")
    page.fill("#f-summary", "自宅訪問。本人と初めて話せた。")
    shot(page, "cases-quick-entry-375")
    page.click("form.quick-form button[type=submit]")
    page.wait_for_selector(".flash.success")
    item = page.locator("#timeline li.t-contact", has_text="自宅訪問")
    assert "自宅訪問。本人と初めて話せた。" in item.inner_text()
    assert "本人" in item.inner_text()
    assert "45分" in item.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "cases-timeline-375")

    # The list finds the person whichever way the name is typed.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(stack.url() + "/cases/?q=きりしま")
    assert page.locator(".case-list li").count() == 1
    assert "霧島 太郎" in page.locator(".case-list").inner_text()
    shot(page, "cases-list")


def test_the_quick_entry_form_is_usable_with_the_keyboard_alone(page: Any, stack: Stack) -> None:
    world = new_world(stack, {"assoc": "family_association"}, roles=("volunteer",))
    sign_in(page, stack, world.emails["assoc.volunteer"])
    case = world.user("assoc.volunteer").post(
        "/cases", {"person": {"display_name": "匿名（LINE）", "anonymous": True}}
    )
    page.goto(stack.url() + f"/cases/{case['id']}/contact")
    page.focus("input[name=channel][value=phone]")
    page.keyboard.press("ArrowRight")  # radio groups move with the arrow keys
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.fill("#f-summary", "母親からの相談")
    page.focus("form.quick-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash.success")
    assert "母親からの相談" in page.locator("#timeline").inner_text()
    assert (
        page.locator(".consent-ladder li[aria-current=step]")
        .inner_text()
        .endswith("家族が匿名で相談")
    )
    shot(page, "cases-keyboard-entry")


def test_an_import_shows_every_rows_errors_then_imports_the_corrected_sheet(
    page: Any, stack: Stack, tmp_path: Any
) -> None:
    world = new_world(stack, {"center": "prefectural_center"}, roles=("org_admin",))
    sign_in(page, stack, world.emails["center.org_admin"])
    bad = tmp_path / "cases.csv"
    bad.write_text("氏名,相談日,相談方法,相談者\n甲斐 一郎,2024/2/30,電話,本人\n", encoding="utf-8")
    page.goto(stack.url() + "/cases/imports")
    page.set_input_files("#f-file", str(bad))
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=エラー")
    assert "相談日\t存在しない日付です。" in page.locator("table").first.inner_text()
    shot(page, "cases-import-errors")

    good = tmp_path / "fixed.csv"
    good.write_text(
        "氏名,相談日,相談方法,相談者\n甲斐 一郎,2024/2/29,電話,本人\n", encoding="utf-8"
    )
    page.goto(stack.url() + "/cases/imports")
    page.set_input_files("#f-file", str(good))
    page.click("main form button[type=submit]")
    page.click("text=1件のケースを取り込む")
    page.wait_for_selector("text=取り込み済", timeout=30_000)  # the page refreshes itself
    shot(page, "cases-import-done")
    page.goto(stack.url() + "/cases/")
    assert "甲斐 一郎" in page.locator(".case-list").inner_text()
