"""A person on the simulator page befriends a bot, writes, presses a quick reply, blocks and
unblocks; a small bot behind the webhook answers through line-bot-sdk v3, and its answers
appear on the page without a reload."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from linebot.v3 import WebhookParser
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.webhooks import FollowEvent, MessageEvent, PostbackEvent
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from tests.browser.conftest import shot
from tsunagu.linesim import SimulatorConfig, create_app

pytestmark = pytest.mark.browser

SECRET = "browser-test-secret"
TOKEN = "browser-test-token"


def _serve(app: Any) -> BaseWSGIServer:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def simulator() -> Iterator[tuple[str, list[Any]]]:
    """The simulator, and a bot that answers every event by the reply API."""
    seen: list[Any] = []
    urls: dict[str, str] = {}
    parser = WebhookParser(SECRET)

    @Request.application  # type: ignore[arg-type]
    def bot(request: Request) -> Response:
        events = parser.parse(request.get_data(as_text=True), request.headers["X-Line-Signature"])
        seen.extend(events)
        with ApiClient(Configuration(host=urls["sim"], access_token=TOKEN)) as client:
            for event in events:
                if isinstance(event, FollowEvent | MessageEvent | PostbackEvent):
                    MessagingApi(client).reply_message(
                        ReplyMessageRequest(reply_token=event.reply_token, messages=[answer(event)])
                    )
        return Response("", status=200)

    bot_server = _serve(bot)
    sim_app = create_app(
        SimulatorConfig(
            SECRET,
            TOKEN,
            f"http://127.0.0.1:{bot_server.server_port}/line/webhook/x",
            "U" + "c" * 32,
        )
    )
    sim_server = _serve(sim_app)
    urls["sim"] = f"http://127.0.0.1:{sim_server.server_port}"
    yield urls["sim"], seen
    sim_server.shutdown()
    bot_server.shutdown()


def answer(event: Any) -> TextMessage:
    if isinstance(event, FollowEvent):
        button = PostbackAction(
            label="仕事の相談", data="topic=work", display_text="仕事の相談をしたい"
        )
        return TextMessage(
            text="友だち追加ありがとうございます",
            quick_reply=QuickReply(items=[QuickReplyItem(action=button)]),
        )
    if isinstance(event, PostbackEvent):
        return TextMessage(text=f"選択: {event.postback.data}")
    return TextMessage(text=f"受け付けました: {event.message.text}")


def test_a_person_plays_a_line_user(page: Any, simulator: tuple[str, list[Any]]) -> None:
    url, seen = simulator
    page.goto(url + "/")
    page.get_by_label("表示名").fill("花子")
    page.get_by_role("button", name="ユーザーを追加").click()
    user = page.locator("#user-list li", has_text="花子")
    user.get_by_role("button", name="友だち追加").click()
    page.locator("#chat").get_by_text("友だち追加ありがとうございます").wait_for()

    page.locator("#quick-replies").get_by_role("button", name="仕事の相談").click()
    page.locator("#chat").get_by_text("選択: topic=work").wait_for()
    page.locator("#chat").get_by_text("仕事の相談をしたい").wait_for()

    page.get_by_label("メッセージを入力").fill("こんにちは😀")
    page.get_by_role("button", name="送信", exact=True).click()
    page.locator("#chat").get_by_text("受け付けました: こんにちは😀").wait_for()
    assert page.locator("#quick-replies button").count() == 0
    shot(page, "line-simulator-chat")

    user.get_by_role("button", name="ブロック").click()
    user.get_by_text("ブロック中").wait_for()
    user.get_by_role("button", name="ブロック解除").click()
    page.locator("#chat").get_by_text("友だち追加ありがとうございます").nth(1).wait_for()

    kinds = [
        (type(e).__name__, getattr(getattr(e, "follow", None), "is_unblocked", None)) for e in seen
    ]
    assert kinds == [
        ("FollowEvent", False),
        ("PostbackEvent", None),
        ("MessageEvent", None),
        ("UnfollowEvent", None),
        ("FollowEvent", True),
    ]
    assert json.loads(json.dumps(seen[2].message.text)) == "こんにちは😀"
