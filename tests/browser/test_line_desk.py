"""The LINE desk in a real browser, with the real stack and the LINE simulator: the desk's
org admin registers the channel on the settings page; a person on the simulator page
befriends the account and writes; a counsellor on a phone (390 px) sees the message appear
in the queue without reloading, takes the conversation and replies; the reply arrives on
the simulator page. The counsellor's part is done with the keyboard only."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from tests.browser.conftest import shot
from tests.e2e.helpers import PASSWORD, World, new_world
from tests.e2e.stack import Stack
from tsunagu.registry import ROOT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (ROOT / "services" / "line" / "__init__.py").exists(),
        reason="needs the line service (services/line, issue 9), which this tree does not have",
    ),
]

SECRET = "desk-browser-channel-secret"
TOKEN = "desk-browser-channel-access-token"
BOT_USER_ID = "U" + "d" * 32
PHONE = {"width": 390, "height": 844}


def _serve(app: Any) -> BaseWSGIServer:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def simulator() -> Iterator[tuple[str, Any]]:
    """The LINE platform: its webhook target is set once the channel is registered."""
    from tsunagu.linesim import SimulatorConfig, create_app

    app = create_app(SimulatorConfig(SECRET, TOKEN, "http://127.0.0.1:9/unset", BOT_USER_ID))
    server = _serve(app)
    yield f"http://127.0.0.1:{server.server_port}", app.extensions["linesim"]
    server.shutdown()


@pytest.fixture(scope="module")
def line_stack(
    tmp_path_factory: pytest.TempPathFactory, simulator: tuple[str, Any]
) -> Iterator[Stack]:
    url, _sim = simulator
    with Stack(
        tmp_path_factory.mktemp("line-desk"), extra_env={"TSUNAGU_LINE_API_URL": url}
    ) as running:
        yield running


@pytest.fixture(scope="module")
def desk(line_stack: Stack) -> World:
    world = new_world(line_stack, {"desk": "npo"}, roles=("org_admin",))
    world.add_user("desk", "staff")
    return world


def sign_in(page: Any, stack: Stack, email: str) -> None:
    page.goto(stack.url() + "/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(lambda url: "/login" not in url)


def register_channel(page: Any, stack: Stack, world: World) -> str:
    """The org admin registers the channel; the webhook URL is read off the page."""
    sign_in(page, stack, world.emails["desk.org_admin"])
    page.get_by_role("link", name="LINEチャネル").first.click()
    page.get_by_role("button", name="LINEチャネルを登録する").click()
    page.get_by_label("アカウント名").fill("やまなしLINE相談")
    page.get_by_label("チャネルID").fill(str(secrets.randbelow(10**9) + 10**9))
    page.get_by_label("ボットのユーザーID").fill(BOT_USER_ID)
    page.get_by_label("チャネルシークレット").fill(SECRET)
    page.get_by_label("チャネルアクセストークン").fill(TOKEN)
    # Open all day, so the message below is answered by the counsellor, not out of hours.
    page.get_by_label("開始時刻").fill("00:00")
    page.get_by_label("終了時刻").fill("23:59")
    page.get_by_role("button", name="登録").click()
    page.get_by_text("LINEチャネルを登録しました。").wait_for()
    webhook = page.locator("#webhook-url").inner_text().strip()
    assert "/line/webhook/" in webhook
    shot(page, "line-desk-01-channel")
    page.get_by_role("button", name="ログアウト").first.click()
    # The stack's public URL may name another host; the simulator posts to this stack.
    return stack.url() + webhook[webhook.index("/line/webhook/") :]


def test_a_line_user_writes_and_a_counsellor_on_a_phone_answers(
    page: Any, browser: Any, line_stack: Stack, desk: World, simulator: tuple[str, Any]
) -> None:
    sim_url, sim = simulator
    webhook_url = register_channel(page, line_stack, desk)
    sim.webhook_url = webhook_url

    # The counsellor, on a phone, opens the queue before anyone writes.
    phone_context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport=PHONE)
    phone = phone_context.new_page()
    phone.set_default_timeout(15_000)
    try:
        sign_in(phone, line_stack, desk.emails["desk.staff"])
        phone.goto(line_stack.url() + "/line/queue")
        phone.get_by_text("待っている人はいません。").wait_for()

        # A LINE user befriends the account and writes, on the simulator page.
        page.goto(sim_url + "/")
        page.get_by_label("表示名").fill("花子")
        page.get_by_role("button", name="ユーザーを追加").click()
        user = page.locator("#user-list li", has_text="花子")
        user.get_by_role("button", name="友だち追加").click()
        user.click()
        page.get_by_label("メッセージを入力").fill("夜分にすみません。息子のことで相談したいです。")
        page.get_by_role("button", name="送信", exact=True).click()

        # The queue shows it within a few seconds, without a reload.
        row = phone.locator("table.queue tbody tr", has_text="待ち")
        row.first.wait_for(timeout=8_000)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(phone, "line-desk-02-queue-phone")
        # From here on, the keyboard only: focus, type, Tab and Enter.
        row.first.get_by_role("link").focus()
        phone.keyboard.press("Enter")
        phone.get_by_text("夜分にすみません。息子のことで相談したいです。").wait_for()
        phone.get_by_role("button", name="この相談を担当する").focus()
        phone.keyboard.press("Enter")
        phone.get_by_text("この相談の担当になりました。").wait_for()
        phone.get_by_label("返信").focus()
        phone.keyboard.type("ご連絡ありがとうございます。お話を聞かせてください。")
        phone.keyboard.press("Tab")
        assert phone.evaluate("document.activeElement.textContent.trim()") == "送信する"
        phone.keyboard.press("Enter")
        phone.get_by_text("返信をLINEに送っています。").wait_for()
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(phone, "line-desk-03-conversation-phone")
        assert "U" + "d" * 32 not in phone.content()

        # The reply reaches the person on the simulator page.
        page.locator("#chat").get_by_text(
            "ご連絡ありがとうございます。お話を聞かせてください。"
        ).wait_for(timeout=15_000)
        shot(page, "line-desk-04-simulator")
    finally:
        phone_context.close()
