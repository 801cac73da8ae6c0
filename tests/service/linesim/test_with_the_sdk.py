"""line-bot-sdk v3, pointed at the simulator the way services/line points it
(``Configuration(host=TSUNAGU_LINE_API_URL)``), gets LINE's answers back."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MarkMessagesAsReadByTokenRequest,
    MessagingApi,
    MessagingApiBlob,
    PushMessageRequest,
    ReplyMessageRequest,
    ShowLoadingAnimationRequest,
    TextMessage,
)

from tests.service.linesim.conftest import TOKEN, Receiver
from tests.service.linesim.test_webhooks import PNG, friend, last_body


@pytest.fixture
def client(sim_url: str) -> Iterator[ApiClient]:
    with ApiClient(Configuration(host=sim_url, access_token=TOKEN)) as api_client:
        yield api_client


def test_reply_push_quota_profile_loading_and_content(
    client: ApiClient, sim: FlaskClient, receiver: Receiver
) -> None:
    api = MessagingApi(client)
    user_id = friend(sim, "相談者B")
    token = last_body(receiver)["events"][0]["replyToken"]

    replied = api.reply_message(
        ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="ようこそ😀")])
    )
    assert replied.sent_messages[0].id.isdigit()
    with pytest.raises(ApiException) as reused:
        api.reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="x")]))
    assert reused.value.status == 400
    assert json.loads(reused.value.body) == {"message": "Invalid reply token"}

    key = str(uuid.uuid4())
    request = PushMessageRequest(to=user_id, messages=[TextMessage(text="お返事です")])
    pushed = api.push_message_with_http_info(request, x_line_retry_key=key)
    assert pushed.status_code == 200
    with pytest.raises(ApiException) as again:
        api.push_message(request, x_line_retry_key=key)
    assert again.value.status == 409
    assert again.value.headers["x-line-accepted-request-id"] == pushed.headers["X-Line-Request-Id"]

    assert api.get_message_quota().value == 200
    assert api.get_message_quota().type == "limited"
    assert api.get_message_quota_consumption().total_usage == 1

    profile = api.get_profile(user_id)
    assert profile.display_name == "相談者B"
    assert profile.user_id == user_id

    api.show_loading_animation(ShowLoadingAnimationRequest(chat_id=user_id, loading_seconds=5))

    image = {
        "type": "image",
        "content_type": "image/png",
        "data_base64": base64.b64encode(PNG).decode(),
    }
    sim.post(f"/_sim/users/{user_id}/messages", json={"message": image})
    message_id = last_body(receiver)["events"][0]["message"]["id"]
    assert bytes(MessagingApiBlob(client).get_message_content(message_id)) == PNG

    read_token = last_body(receiver)["events"][0]["message"]["markAsReadToken"]
    api.mark_messages_as_read_by_token(
        MarkMessagesAsReadByTokenRequest(mark_as_read_token=read_token)
    )
    assert sim.get(f"/_sim/users/{user_id}/chat").get_json()["items"][-1]["read"] is True

    sent = sim.get("/_sim/sent").get_json()["items"]
    assert [item["message"]["text"] for item in sent] == ["ようこそ😀", "お返事です"]
    assert [item["via"] for item in sent] == ["reply", "push"]


def test_quota_and_rate_limit_429s_are_told_apart_by_their_message(
    client: ApiClient, sim: FlaskClient
) -> None:
    api = MessagingApi(client)
    user_id = friend(sim)
    sim.put("/_sim/settings", json={"monthly_limit": 0})
    request = PushMessageRequest(to=user_id, messages=[TextMessage(text="x")])
    with pytest.raises(ApiException) as quota:
        api.push_message(request)
    assert quota.value.status == 429
    assert json.loads(quota.value.body)["message"] == "You have reached your monthly limit."
    sim.put("/_sim/settings", json={"monthly_limit": 200, "rate_limited": True})
    with pytest.raises(ApiException) as rate:
        api.push_message(request)
    assert rate.value.status == 429
    assert json.loads(rate.value.body)["message"] == "Too many requests"


def test_a_wrong_token_is_401(sim_url: str) -> None:
    configuration = Configuration(host=sim_url, access_token="wrong")
    with ApiClient(configuration) as api_client, pytest.raises(ApiException) as refused:
        MessagingApi(api_client).get_message_quota()
    assert refused.value.status == 401
