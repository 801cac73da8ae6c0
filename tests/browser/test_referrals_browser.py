"""Issue 4 in a real browser, in Japanese: refer a case with a preview of the packet, accept
it as the receiver from the keyboard, and each side sees the other's status."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.e2e.helpers import PASSWORD
from tests.e2e.referrals_world import referral_world
from tests.e2e.stack import Stack

pytestmark = pytest.mark.browser


def sign_in(page: Any, stack: Stack, email: str) -> None:
    page.goto(stack.url() + "/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(stack.url() + "/")


def test_refer_a_case_accept_it_and_each_side_sees_the_others_status(
    browser: Any, stack: Stack
) -> None:
    setup = referral_world(stack)
    case_id, _consent_id = setup.case_with_consent(("identity", "contact", "history"))
    receiver_name = setup.world.user("receiver.staff").get("/me")["org"]["name"]

    sender_context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    sender = sender_context.new_page()
    sender.set_default_timeout(15_000)
    sign_in(sender, stack, setup.world.emails["sender.staff"])
    sender.goto(f"{stack.url()}/referrals/new?case_id={case_id}")
    sender.get_by_label("紹介先").select_option(label=receiver_name)
    sender.get_by_role("checkbox", name="本人情報（氏名・かな・生まれ年・市町村）").check()
    sender.get_by_role("checkbox", name="相談の経過").check()
    sender.get_by_label("本人の同意").check()
    sender.get_by_label("紹介の理由").fill("集団支援プログラムへの参加を本人が希望しています。")
    sender.get_by_role("button", name="紹介先に表示される内容を確認する").click()
    preview = sender.locator("#preview")
    expect(preview.get_by_text("山田 太郎")).to_be_visible()
    expect(preview.get_by_text("母から相談")).to_be_visible()
    assert sender.get_by_text("甲府市丸の内").count() == 0  # contact was not chosen
    shot(sender, "referrals-01-preview")
    sender.get_by_role("button", name="紹介を送る").click()
    expect(sender.get_by_text("紹介を送りました。")).to_be_visible()
    expect(sender.locator(".summary .badge").first).to_have_text("送付済み")
    referral_url = sender.url
    shot(sender, "referrals-02-sent")

    receiver_context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 375, "height": 740}
    )
    receiver = receiver_context.new_page()
    receiver.set_default_timeout(15_000)
    sign_in(receiver, stack, setup.world.emails["receiver.staff"])
    receiver.goto(stack.url() + "/referrals/?box=incoming")
    expect(receiver.locator(".tabs .count").first).to_have_text("1")
    shot(receiver, "referrals-03-incoming-phone")
    receiver.get_by_role("link", name="山田 太郎").click()
    expect(receiver.locator(".summary .badge").first).to_have_text("閲覧済み")
    width = receiver.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "the referral page scrolls sideways on a phone"
    receiver.locator("#accept").focus()  # from the keyboard
    with receiver.expect_navigation():
        receiver.keyboard.press("Enter")
    expect(receiver.get_by_role("heading", name="この紹介を受け入れますか？")).to_be_visible()
    receiver.locator("#confirm-yes").focus()
    with receiver.expect_navigation():
        receiver.keyboard.press("Enter")
    expect(receiver.get_by_text("紹介を受け入れました。")).to_be_visible()
    expect(receiver.locator(".summary .badge").first).to_have_text("受入")
    for _ in range(60):  # the linked case arrives through the events
        if receiver.locator("#linked-case").count():
            break
        receiver.wait_for_timeout(500)
        receiver.reload()
    expect(receiver.locator("#linked-case")).to_be_visible()
    shot(receiver, "referrals-04-accepted-phone")

    sender.goto(referral_url)
    expect(sender.locator(".summary .badge").first).to_have_text("受入")
    expect(sender.locator("#history").get_by_text("閲覧済み")).to_be_visible()
    assert sender.locator("#linked-case").count() == 0
    sender.get_by_role("link", name="紹介").first.click()
    expect(sender.get_by_text("送った紹介")).to_be_visible()
    sender.goto(stack.url() + "/referrals/notifications")
    expect(sender.get_by_text("紹介の状態が変わりました").first).to_be_visible()
    shot(sender, "referrals-05-sender-sees-accepted")
    sender_context.close()
    receiver_context.close()
