"""The Messaging API's rules as LINE applies them: the bearer token, a reply token used once
within a minute, a retry key accepted once, the monthly limit told apart from the rate
limit."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.service.linesim.conftest import TOKEN, FakeClock, Receiver
from tests.service.linesim.test_webhooks import friend, last_body

AUTH = {"Authorization": f"Bearer {TOKEN}"}
HELLO = [{"type": "text", "text": "こんにちは、相談窓口です。"}]


def reply(sim: FlaskClient, token: str, messages: Any = None) -> Any:
    body = {"replyToken": token, "messages": HELLO if messages is None else messages}
    return sim.post("/v2/bot/message/reply", json=body, headers=AUTH)


def push(sim: FlaskClient, to: str, key: str | None = None, text: str = "お知らせ") -> Any:
    headers = {**AUTH, **({"X-Line-Retry-Key": key} if key else {})}
    body = {"to": to, "messages": [{"type": "text", "text": text}]}
    return sim.post("/v2/bot/message/push", json=body, headers=headers)


def bot_texts(sim: FlaskClient) -> list[str]:
    return [i["message"]["text"] for i in sim.get("/_sim/sent").get_json()["items"]]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": "Basic x"}],
)
def test_every_endpoint_wants_the_channel_access_token(
    sim: FlaskClient, headers: dict[str, str]
) -> None:
    user_id = friend(sim)
    calls = [
        sim.post("/v2/bot/message/push", json={"to": user_id, "messages": HELLO}, headers=headers),
        sim.post(
            "/v2/bot/message/reply", json={"replyToken": "x", "messages": HELLO}, headers=headers
        ),
        sim.get("/v2/bot/message/quota", headers=headers),
        sim.get("/v2/bot/message/quota/consumption", headers=headers),
        sim.get(f"/v2/bot/profile/{user_id}", headers=headers),
        sim.post("/v2/bot/chat/loading/start", json={"chatId": user_id}, headers=headers),
        sim.get("/v2/bot/message/1/content", headers=headers),
    ]
    for answer in calls:
        assert answer.status_code == 401
        assert "message" in answer.get_json()
        assert answer.headers["X-Line-Request-Id"]
    assert bot_texts(sim) == []


def test_a_reply_token_works_once(sim: FlaskClient, receiver: Receiver) -> None:
    friend(sim)
    token = last_body(receiver)["events"][0]["replyToken"]
    first = reply(sim, token)
    assert first.status_code == 200
    assert first.get_json()["sentMessages"][0]["id"].isdigit()
    again = reply(sim, token)
    assert again.status_code == 400
    assert again.get_json() == {"message": "Invalid reply token"}
    assert bot_texts(sim) == [HELLO[0]["text"]]


def test_a_reply_token_expires_after_a_minute(
    sim: FlaskClient, receiver: Receiver, clock: FakeClock
) -> None:
    user_id = friend(sim)
    sim.post(f"/_sim/users/{user_id}/messages", json={"message": {"type": "text", "text": "a"}})
    fresh = last_body(receiver)["events"][0]["replyToken"]
    sim.post(f"/_sim/users/{user_id}/messages", json={"message": {"type": "text", "text": "b"}})
    stale = last_body(receiver)["events"][0]["replyToken"]
    clock.advance(59)
    assert reply(sim, fresh).status_code == 200
    clock.advance(2)
    answer = reply(sim, stale)
    assert answer.status_code == 400
    assert answer.get_json()["message"] == "Invalid reply token"
    assert reply(sim, "0" * 32).status_code == 400


def test_replies_are_free_and_pushes_count(sim: FlaskClient, receiver: Receiver) -> None:
    user_id = friend(sim)
    reply(sim, last_body(receiver)["events"][0]["replyToken"])
    push(sim, user_id)
    usage = sim.get("/v2/bot/message/quota/consumption", headers=AUTH).get_json()
    assert usage == {"totalUsage": 1}


def test_one_retry_key_delivers_once_and_answers_409_after(sim: FlaskClient) -> None:
    user_id = friend(sim)
    key = str(uuid.uuid4())
    first = push(sim, user_id, key)
    assert first.status_code == 200
    second = push(sim, user_id, key)
    assert second.status_code == 409
    assert second.headers["x-line-accepted-request-id"] == first.headers["X-Line-Request-Id"]
    assert second.get_json()["sentMessages"] == first.get_json()["sentMessages"]
    assert bot_texts(sim) == ["お知らせ"]
    assert push(sim, user_id, str(uuid.uuid4())).status_code == 200
    assert push(sim, user_id, "not-a-uuid").status_code == 400
    assert len(bot_texts(sim)) == 2


def test_the_monthly_limit_is_a_429_of_its_own_kind(sim: FlaskClient) -> None:
    user_id = friend(sim)
    assert sim.put("/_sim/settings", json={"monthly_limit": 2}).status_code == 200
    assert sim.get("/v2/bot/message/quota", headers=AUTH).get_json() == {
        "type": "limited",
        "value": 2,
    }
    assert push(sim, user_id).status_code == 200
    assert push(sim, user_id).status_code == 200
    over = push(sim, user_id)
    assert over.status_code == 429
    assert over.get_json() == {"message": "You have reached your monthly limit."}
    assert len(bot_texts(sim)) == 2
    assert sim.get("/v2/bot/message/quota/consumption", headers=AUTH).get_json() == {
        "totalUsage": 2
    }


def test_the_quota_starts_again_next_month_in_japan(sim: FlaskClient, clock: FakeClock) -> None:
    user_id = friend(sim)
    sim.put("/_sim/settings", json={"monthly_limit": 1})
    assert push(sim, user_id).status_code == 200
    clock.now = clock.now.replace(month=6, day=30, hour=14, minute=59)  # 23:59 JST, 30 June
    assert push(sim, user_id).status_code == 429
    clock.advance(60)  # 00:00 JST, 1 July
    assert push(sim, user_id).status_code == 200


def test_the_rate_limit_switch_answers_too_many_requests_and_sends_nothing(
    sim: FlaskClient, receiver: Receiver
) -> None:
    user_id = friend(sim)
    token = last_body(receiver)["events"][0]["replyToken"]
    sim.put("/_sim/settings", json={"rate_limited": True})
    for answer in (
        push(sim, user_id),
        reply(sim, token),
        sim.get("/v2/bot/message/quota", headers=AUTH),
    ):
        assert answer.status_code == 429
        assert answer.get_json() == {"message": "Too many requests"}
    sim.put("/_sim/settings", json={"rate_limited": False})
    assert bot_texts(sim) == []
    assert reply(sim, token).status_code == 200  # the refused call did not spend the token


@pytest.mark.parametrize(
    "messages",
    [
        [],
        [{"type": "text"}],
        [{"type": "text", "text": "x" * 5001}],
        [{"type": "nope"}],
        HELLO * 6,
        "x",
    ],
)
def test_malformed_messages_are_400_with_details(
    sim: FlaskClient, receiver: Receiver, messages: Any
) -> None:
    user_id = friend(sim)
    token = last_body(receiver)["events"][0]["replyToken"]
    answer = reply(sim, token, messages)
    assert answer.status_code == 400
    assert answer.get_json()["details"]
    assert (
        sim.post(
            "/v2/bot/message/push", json={"to": user_id, "messages": messages}, headers=AUTH
        ).status_code
        == 400
    )
    assert sim.post("/v2/bot/message/push", data=b"{", headers=AUTH).status_code == 400
    assert bot_texts(sim) == []
    assert reply(sim, token).status_code == 200  # still unspent


def test_push_to_someone_who_never_met_the_bot_fails(sim: FlaskClient) -> None:
    answer = push(sim, "U" + "0" * 32)
    assert answer.status_code == 400
    assert answer.get_json() == {"message": "Failed to send messages"}


def test_a_blocked_user_gets_nothing_but_the_push_is_accepted(sim: FlaskClient) -> None:
    user_id = friend(sim)
    sim.post(f"/_sim/users/{user_id}/block")
    assert push(sim, user_id).status_code == 200
    [sent] = sim.get("/_sim/sent").get_json()["items"]
    assert sent["delivered"] is False
    assert sim.get(f"/v2/bot/profile/{user_id}", headers=AUTH).status_code == 404


def test_profile_loading_and_content(sim: FlaskClient, receiver: Receiver) -> None:
    user_id = friend(sim, "相談者A")
    profile = sim.get(f"/v2/bot/profile/{user_id}", headers=AUTH)
    assert profile.get_json()["displayName"] == "相談者A"
    assert profile.get_json()["userId"] == user_id
    assert sim.get("/v2/bot/profile/Unknown", headers=AUTH).status_code == 404
    loading = sim.post(
        "/v2/bot/chat/loading/start", json={"chatId": user_id, "loadingSeconds": 10}, headers=AUTH
    )
    assert loading.status_code == 202
    assert sim.get(f"/_sim/users/{user_id}/chat").get_json()["user"]["loading"] is True
    for bad in (
        {"chatId": user_id, "loadingSeconds": 7},
        {"chatId": "Unope"},
        {"chatId": user_id, "loadingSeconds": True},
    ):
        assert sim.post("/v2/bot/chat/loading/start", json=bad, headers=AUTH).status_code == 400
    gif = b"GIF89a" + b"\x01" * 10
    import base64

    image = {
        "type": "image",
        "content_type": "image/gif",
        "data_base64": base64.b64encode(gif).decode(),
    }
    sim.post(f"/_sim/users/{user_id}/messages", json={"message": image})
    message_id = last_body(receiver)["events"][0]["message"]["id"]
    content = sim.get(f"/v2/bot/message/{message_id}/content", headers=AUTH)
    assert content.status_code == 200
    assert content.data == gif
    assert content.mimetype == "image/gif"
    assert sim.get("/v2/bot/message/999/content", headers=AUTH).status_code == 404
    assert sim.get("/v2/bot/nothing-here", headers=AUTH).get_json() == {"message": "Not Found"}


def test_mark_as_read_marks_the_users_messages_up_to_the_tokens(
    sim: FlaskClient, receiver: Receiver
) -> None:
    user_id = friend(sim)
    tokens = []
    for text in ("一通目", "二通目", "三通目"):
        sim.post(
            f"/_sim/users/{user_id}/messages", json={"message": {"type": "text", "text": text}}
        )
        tokens.append(last_body(receiver)["events"][0]["message"]["markAsReadToken"])
    answer = sim.post("/v2/bot/chat/markAsRead", json={"markAsReadToken": tokens[1]}, headers=AUTH)
    assert answer.status_code == 200
    items = sim.get(f"/_sim/users/{user_id}/chat").get_json()["items"]
    assert [i["read"] for i in items] == [True, True, False]
    for bad in ({"markAsReadToken": "nope"}, {}, {"markAsReadToken": 1}):
        assert sim.post("/v2/bot/chat/markAsRead", json=bad, headers=AUTH).status_code == 400
    assert (
        sim.post("/v2/bot/chat/markAsRead", json={"markAsReadToken": tokens[2]}).status_code == 401
    )
    assert [i["read"] for i in sim.get(f"/_sim/users/{user_id}/chat").get_json()["items"]] == [
        True,
        True,
        False,
    ]
