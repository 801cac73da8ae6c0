"""The sending worker against a fake LINE API, through the real SDK: reply while the token is
fresh, push with a retry key after; a 409 on push is success; a rate-limit 429 is retried, a
quota 429 is held; an outage delays, never drops."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from common.clock import JST
from common.testing.clock import MovableClock
from services.line.domain.sending import RateLimiter
from services.line.models import Delivery, Message
from tests.service.line.fake_line import FakeLine
from tests.service.line.support import Desk, line_user_id, text

OPEN = datetime(2026, 12, 3, 18, 0, tzinfo=JST)
CLOSED = datetime(2026, 12, 3, 22, 30, tzinfo=JST)
REPLY = "/v2/bot/message/reply"
PUSH = "/v2/bot/message/push"


def _taken(desk: Desk, clock: MovableClock, at: datetime = OPEN) -> str:
    clock.set(at)
    desk.deliver(text(line_user_id(), "相談です", at))
    conversation = desk.conversations()[0]["id"]
    answer = desk.as_(desk.staff, "POST", f"/line/conversations/{conversation}/assign", json={})
    assert answer.status_code == 200, answer.get_json()
    return str(conversation)


def _answer(desk: Desk, conversation: str, words: str = "お話を聞かせてください"):
    return desk.as_(
        desk.staff, "POST", f"/line/conversations/{conversation}/messages", json={"text": words}
    )


def _delivery(desk: Desk) -> Delivery:
    with desk.sessions() as session:
        delivery = session.scalar(sa.select(Delivery).order_by(Delivery.created_at.desc()))
    assert delivery is not None
    return delivery


def test_an_answer_within_the_reply_window_goes_by_the_free_reply_api(
    desk: Desk, clock: MovableClock, line_api: FakeLine
) -> None:
    conversation = _taken(desk, clock)
    clock.advance(timedelta(seconds=20))
    assert _answer(desk, conversation).status_code == 201
    assert desk.send() == 1
    [call] = line_api.calls_to(REPLY)
    assert call.json()["messages"] == [{"type": "text", "text": "お話を聞かせてください"}]
    assert call.headers["Authorization"].startswith("Bearer token-")
    assert not line_api.calls_to(PUSH)
    assert _delivery(desk).via == "reply"


def test_a_later_answer_goes_by_push_with_a_retry_key_and_a_409_counts_as_sent(
    desk: Desk, clock: MovableClock, line_api: FakeLine
) -> None:
    conversation = _taken(desk, clock)
    clock.advance(timedelta(seconds=51))
    assert _answer(desk, conversation).status_code == 201
    line_api.answer_next(PUSH, 500, {"message": "boom"})
    assert desk.send() == 0
    first_key = line_api.calls_to(PUSH)[0].headers["X-Line-Retry-Key"]
    clock.advance(timedelta(minutes=1))
    line_api.answer_next(PUSH, 409, {"message": "The retry key is already accepted"})
    assert desk.send() == 1
    keys = [c.headers["X-Line-Retry-Key"] for c in line_api.calls_to(PUSH)]
    assert keys == [first_key, first_key]
    assert line_api.calls_to(PUSH)[0].json()["to"] == line_user_id()
    delivery = _delivery(desk)
    assert delivery.status == "sent"
    assert delivery.via == "push"


def test_a_quota_429_is_held_and_never_retried_but_a_rate_limit_429_is(
    desk: Desk, clock: MovableClock, line_api: FakeLine
) -> None:
    conversation = _taken(desk, clock)
    clock.advance(timedelta(minutes=5))
    _answer(desk, conversation, "一通目")
    line_api.answer_next(PUSH, 429, {"message": "Too many requests"}, Retry_After="1")
    assert desk.send() == 0
    assert _delivery(desk).status == "queued"
    assert not desk.deps.limiter.try_acquire()  # every sender pauses after a rate-limit 429
    desk.deps.limiter = RateLimiter(100)  # (the pause is in real time; the test moves on)
    clock.advance(timedelta(minutes=1))
    line_api.answer_next(PUSH, 429, {"message": "You have reached your monthly limit."})
    assert desk.send() == 0
    held = _delivery(desk)
    assert held.status == "over_quota"
    clock.advance(timedelta(hours=1))
    calls = len(line_api.calls_to(PUSH))
    desk.send()
    assert len(line_api.calls_to(PUSH)) == calls  # never blindly retried
    with desk.sessions() as session:
        assert session.scalar(sa.select(Message.delivery).where(Message.text == "一通目")) == (
            "failed"
        )


def test_an_outage_delays_the_message_and_it_goes_out_later(
    desk: Desk, clock: MovableClock, line_api: FakeLine
) -> None:
    conversation = _taken(desk, clock)
    clock.advance(timedelta(minutes=5))
    _answer(desk, conversation)
    real_url = desk.deps.platform.api_url
    desk.deps.platform.api_url = "http://127.0.0.1:9"  # nothing listens there
    desk.deps.platform._clients.clear()
    assert desk.send() == 0
    assert _delivery(desk).status == "queued"
    desk.deps.platform.api_url = real_url
    clock.advance(timedelta(minutes=10))
    assert desk.send() == 1
    assert _delivery(desk).status == "sent"


def test_the_out_of_hours_answer_goes_by_reply_and_never_by_push(
    desk: Desk, clock: MovableClock, line_api: FakeLine
) -> None:
    clock.set(CLOSED + timedelta(seconds=5))
    desk.deliver(text(line_user_id(1), "夜分にすみません", CLOSED))
    assert desk.send() == 1
    [call] = line_api.calls_to(REPLY)
    assert "受付時間外" in call.json()["messages"][0]["text"]
    # A late-applied event whose token is stale gets no paid push in its place.
    clock.advance(timedelta(minutes=5))
    desk.deliver(text(line_user_id(2), "こんばんは", CLOSED))
    assert desk.send() == 0
    assert not line_api.calls_to(PUSH)
    assert _delivery(desk).status == "expired"


def test_the_quota_and_consumption_are_read_and_shown_with_this_months_pushes(
    desk: Desk, clock: MovableClock, line_api: FakeLine
) -> None:
    from services.line.operations import sending

    line_api.consumed = 170
    assert sending.read_quotas(desk.sessions, desk.deps) == 1
    channel = desk.as_(desk.admin, "GET", f"/line/channels/{desk.channel_id}").get_json()
    assert channel["usage"]["quota"] == 200
    assert channel["usage"]["quota_type"] == "limited"
    assert channel["usage"]["consumed"] == 170
    assert channel["usage"]["warning"] is True
