"""What the simulator sends to the webhook is what LINE sends: signed over the exact bytes,
non-ASCII escaped, parseable by line-bot-sdk v3's own WebhookParser."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.webhooks import (
    FollowEvent,
    ImageMessageContent,
    MessageEvent,
    PostbackEvent,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
    UnsendEvent,
)

from tests.service.linesim.conftest import BOT, SECRET, FakeClock, Receiver

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def new_user(sim: FlaskClient, name: str = "山田") -> str:
    answer = sim.post("/_sim/users", json={"display_name": name})
    assert answer.status_code == 201
    return str(answer.get_json()["user_id"])


def friend(sim: FlaskClient, name: str = "山田") -> str:
    user_id = new_user(sim, name)
    assert sim.post(f"/_sim/users/{user_id}/follow").status_code == 200
    return user_id


def last_body(receiver: Receiver) -> dict[str, Any]:
    return json.loads(receiver.received[-1].body)  # type: ignore[no-any-return]


def test_signature_is_hmac_sha256_of_the_exact_bytes_and_verifies_with_the_sdk(
    sim: FlaskClient, receiver: Receiver
) -> None:
    user_id = friend(sim)
    sim.post(
        f"/_sim/users/{user_id}/messages",
        json={"message": {"type": "text", "text": "こんにちは😀"}},
    )
    sent = receiver.received[-1]
    expected = base64.b64encode(hmac.new(SECRET.encode(), sent.body, hashlib.sha256).digest())
    assert sent.headers["X-Line-Signature"] == expected.decode()
    # LINE escapes every non-ASCII character (emoji as a surrogate pair) and sends compact JSON.
    assert b"\\u3053\\u3093" in sent.body
    assert b"\\ud83d\\ude00" in sent.body
    assert sent.body.isascii()
    assert b": " not in sent.body
    events = WebhookParser(SECRET).parse(sent.body.decode(), sent.headers["X-Line-Signature"])
    assert isinstance(events[0], MessageEvent)
    assert isinstance(events[0].message, TextMessageContent)
    assert events[0].message.text == "こんにちは😀"
    with pytest.raises(InvalidSignatureError):
        WebhookParser("another-secret").parse(sent.body.decode(), sent.headers["X-Line-Signature"])


def test_a_follow_looks_like_lines(sim: FlaskClient, receiver: Receiver, clock: FakeClock) -> None:
    user_id = friend(sim)
    body = last_body(receiver)
    assert body["destination"] == BOT
    [event] = body["events"]
    assert event["type"] == "follow"
    assert event["mode"] == "active"
    assert event["timestamp"] == int(clock.now.timestamp() * 1000)
    assert event["source"] == {"type": "user", "userId": user_id}
    assert ULID.match(event["webhookEventId"])
    assert event["deliveryContext"] == {"isRedelivery": False}
    assert re.fullmatch(r"[0-9a-f]{32}", event["replyToken"])
    assert event["follow"] == {"isUnblocked": False}
    assert re.fullmatch(r"U[0-9a-f]{32}", user_id)
    assert receiver.received[-1].headers["Content-Type"].startswith("application/json")


def test_block_then_follow_again_is_an_unfollow_then_an_unblock(
    sim: FlaskClient, receiver: Receiver
) -> None:
    user_id = friend(sim)
    assert sim.post(f"/_sim/users/{user_id}/block").status_code == 200
    unfollow = last_body(receiver)["events"][0]
    assert unfollow["type"] == "unfollow"
    assert "replyToken" not in unfollow
    assert sim.post(f"/_sim/users/{user_id}/follow").status_code == 200
    assert last_body(receiver)["events"][0]["follow"] == {"isUnblocked": True}
    parsed = [
        WebhookParser(SECRET).parse(r.body.decode(), r.headers["X-Line-Signature"])[0]
        for r in receiver.received
    ]
    assert [type(e) for e in parsed] == [FollowEvent, UnfollowEvent, FollowEvent]
    assert parsed[2].follow.is_unblocked is True


def test_actions_that_do_not_fit_the_friendship_are_refused_and_send_nothing(
    sim: FlaskClient, receiver: Receiver
) -> None:
    user_id = new_user(sim)
    text = {"message": {"type": "text", "text": "hi"}}
    assert sim.post(f"/_sim/users/{user_id}/messages", json=text).status_code == 409
    assert sim.post(f"/_sim/users/{user_id}/block").status_code == 409
    sim.post(f"/_sim/users/{user_id}/follow")
    assert sim.post(f"/_sim/users/{user_id}/follow").status_code == 409
    assert len(receiver.received) == 1


def test_sticker_image_postback_and_unsend(sim: FlaskClient, receiver: Receiver) -> None:
    user_id = friend(sim)
    sticker = {"type": "sticker", "package_id": "11537", "sticker_id": "52002734"}
    sim.post(f"/_sim/users/{user_id}/messages", json={"message": sticker})
    image = {
        "type": "image",
        "content_type": "image/png",
        "data_base64": base64.b64encode(PNG).decode(),
    }
    sim.post(f"/_sim/users/{user_id}/messages", json={"message": image})
    sim.post(
        f"/_sim/users/{user_id}/postback",
        json={"data": "action=consult&topic=work", "display_text": "仕事の相談"},
    )
    image_id = json.loads(receiver.received[2].body)["events"][0]["message"]["id"]
    assert (
        sim.post(f"/_sim/users/{user_id}/unsend", json={"message_id": image_id}).status_code == 200
    )
    parsed = [
        WebhookParser(SECRET).parse(r.body.decode(), r.headers["X-Line-Signature"])[0]
        for r in receiver.received[1:]
    ]
    assert isinstance(parsed[0].message, StickerMessageContent)
    assert parsed[0].message.sticker_id == "52002734"
    assert isinstance(parsed[1].message, ImageMessageContent)
    assert parsed[1].message.content_provider.type == "line"
    assert isinstance(parsed[2], PostbackEvent)
    assert parsed[2].postback.data == "action=consult&topic=work"
    assert isinstance(parsed[3], UnsendEvent)
    assert parsed[3].unsend.message_id == image_id
    chat = sim.get(f"/_sim/users/{user_id}/chat").get_json()["items"]
    assert [i["unsent"] for i in chat] == [False, True, False]
    assert chat[2]["message"]["text"] == "仕事の相談"


def test_redelivery_repeats_the_event_id_flagged_as_redelivered(
    sim: FlaskClient, receiver: Receiver
) -> None:
    user_id = friend(sim)
    first = last_body(receiver)["events"][0]
    answer = sim.post(f"/_sim/events/{first['webhookEventId']}/redeliver")
    assert answer.status_code == 200
    again = last_body(receiver)["events"][0]
    assert again["webhookEventId"] == first["webhookEventId"]
    assert again["deliveryContext"] == {"isRedelivery": True}
    assert {k: v for k, v in again.items() if k != "deliveryContext"} == {
        k: v for k, v in first.items() if k != "deliveryContext"
    }
    assert sim.post("/_sim/events/01ARZ3NDEKTSV4RRFFQ69G5FAV/redeliver").status_code == 404
    assert user_id


def test_the_webhook_answer_is_reported_and_a_dead_webhook_does_not_break_the_action(
    sim: FlaskClient, receiver: Receiver
) -> None:
    user_id = new_user(sim)
    receiver.status = 401
    answer = sim.post(f"/_sim/users/{user_id}/follow").get_json()
    assert answer["webhook"] == {"status": 401, "error": None}
    deliveries = sim.get("/_sim/deliveries").get_json()["items"]
    assert deliveries[-1]["status"] == 401


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"message": {"type": "text", "text": ""}},
        {"message": {"type": "text", "text": "x" * 5001}},
        {"message": {"type": "video"}},
        {"message": {"type": "sticker", "package_id": "../1", "sticker_id": "1"}},
        {"message": {"type": "image", "content_type": "image/png", "data_base64": "%%%%"}},
        {"message": {"type": "image", "content_type": "image/png", "data_base64": "R0lGODlhAQ=="}},
        {"message": {"type": "text", "text": "hi"}, "extra": 1},
    ],
)
def test_hostile_input_is_a_422_with_fields_and_sends_nothing(
    sim: FlaskClient, receiver: Receiver, body: dict[str, Any]
) -> None:
    user_id = friend(sim)
    answer = sim.post(f"/_sim/users/{user_id}/messages", json=body)
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["errors"]
    assert len(receiver.received) == 1  # only the follow
    assert sim.get(f"/_sim/users/{user_id}/chat").get_json()["items"] == []


def test_unknown_users_and_messages_are_404(sim: FlaskClient) -> None:
    assert sim.post("/_sim/users/Unope/follow").status_code == 404
    assert sim.get("/_sim/users/Unope/chat").status_code == 404
    user_id = friend(sim)
    assert sim.post(f"/_sim/users/{user_id}/unsend", json={"message_id": "123"}).status_code == 404
    assert sim.post("/_sim/users", json={"display_name": ""}).status_code == 422
    assert sim.post("/_sim/users", data=b"not json").status_code == 422


def test_the_page_speaks_japanese_first_and_english_on_request(sim: FlaskClient) -> None:
    page = sim.get("/").get_data(as_text=True)
    assert "LINE シミュレーター" in page
    assert 'lang="ja"' in page
    english = sim.get("/?lang=en").get_data(as_text=True)
    assert "LINE simulator" in english
    assert 'lang="en"' in english
    assert (
        sim.get("/", headers={"Accept-Language": "en-US"})
        .get_data(as_text=True)
        .count("Add friend")
    )
    script = sim.get("/_sim/static/linesim.js")
    script.close()
    assert script.status_code == 200
