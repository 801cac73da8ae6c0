"""The webhook: the signature over the raw bytes decides first; nothing is stored without it;
each event is stored once (by webhookEventId) and applied by the worker in timestamp order;
a malformed or unknown event is flagged and never drops its batch."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import sqlalchemy as sa

from common.clock import utcnow
from services.line.domain.webhook import MAX_WEBHOOK_BYTES, signature_of
from services.line.models import (
    Conversation,
    FriendLedgerEntry,
    LineUser,
    Message,
    OutboxEvent,
    WebhookEvent,
)
from tests.service.line.support import (
    SECRET,
    Desk,
    body_of,
    follow,
    line_user_id,
    text,
    unfollow,
)


def _count(desk: Desk, model: type) -> int:
    with desk.sessions() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def test_an_empty_events_list_is_lines_verify_call_and_answers_200(desk: Desk) -> None:
    answer = desk.post(body_of())
    assert answer.status_code == 200
    assert _count(desk, WebhookEvent) == 0


def test_a_missing_or_wrong_signature_is_401_and_nothing_is_stored(desk: Desk) -> None:
    body = body_of(follow(line_user_id()))
    missing = desk.client.post(f"/line/webhook/{desk.channel_id}", data=body)
    wrong = desk.post(body, secret="not-the-channel-secret")
    tampered = desk.client.post(
        f"/line/webhook/{desk.channel_id}",
        data=body.replace(b"follow", b"unfollow", 1),
        headers={"X-Line-Signature": signature_of(body, SECRET)},
    )
    for answer in (missing, wrong, tampered):
        assert answer.status_code == 401
        assert answer.mimetype == "application/problem+json"
    assert _count(desk, WebhookEvent) == 0


def test_the_signature_is_checked_over_the_raw_bytes_with_escaped_emoji(desk: Desk) -> None:
    # LINE sends emoji as \\uXXXX escapes; re-serialising the JSON would change the bytes.
    event = text(line_user_id(), "こんにちは😀")
    raw = json.dumps({"destination": "x", "events": [event]}, ensure_ascii=True).encode()
    assert b"\\ud83d\\ude00" in raw
    assert desk.post(raw).status_code == 200
    desk.work()
    with desk.sessions() as session:
        assert session.scalar(sa.select(Message.text)) == "こんにちは😀"


def test_an_unknown_channel_is_404_and_a_body_over_1_mib_is_413(desk: Desk) -> None:
    body = body_of(follow(line_user_id()))
    unknown = desk.client.post(
        f"/line/webhook/{uuid.uuid4()}",
        data=body,
        headers={"X-Line-Signature": signature_of(body, SECRET)},
    )
    assert unknown.status_code == 404
    big = body_of(text(line_user_id(), "x" * (MAX_WEBHOOK_BYTES + 10)))
    assert desk.post(big).status_code == 413
    assert _count(desk, WebhookEvent) == 0


def test_a_rotated_secret_is_accepted_beside_the_new_one(desk: Desk) -> None:
    new_secret = "fedcba9876543210fedcba9876543210"
    patched = desk.as_(
        desk.admin,
        "PATCH",
        f"/line/channels/{desk.channel_id}",
        json={"channel_secret": new_secret},
    )
    assert patched.status_code == 200
    assert desk.post(body_of(follow(line_user_id(1)))).status_code == 200
    assert desk.post(body_of(follow(line_user_id(2))), secret=new_secret).status_code == 200
    # After the grace period only the new secret signs.
    desk.deps.clock = lambda: utcnow() + timedelta(days=8)  # type: ignore[method-assign]
    assert desk.post(body_of(follow(line_user_id(3)))).status_code == 401


def test_a_redelivered_event_is_stored_and_applied_once(desk: Desk) -> None:
    event = follow(line_user_id())
    desk.deliver(event)
    again = dict(event, deliveryContext={"isRedelivery": True})
    desk.deliver(again)
    assert _count(desk, WebhookEvent) == 1
    assert _count(desk, FriendLedgerEntry) == 1
    with desk.sessions() as session:
        types = list(session.scalars(sa.select(OutboxEvent.type)))
    assert types.count("line.followed") == 1


def test_events_are_applied_in_timestamp_order_not_arrival_order(desk: Desk) -> None:
    user = line_user_id()
    now = utcnow()
    later_unfollow = unfollow(user, now)
    earlier_follow = follow(user, now - timedelta(minutes=5))
    desk.post(body_of(later_unfollow))
    desk.post(body_of(earlier_follow))
    desk.work()
    with desk.sessions() as session:
        assert session.scalar(sa.select(LineUser.friend)) is False
        kinds = list(session.scalars(sa.select(FriendLedgerEntry.kind)))
    assert sorted(kinds) == ["follow", "unfollow"]
    # and an old follow arriving after everything was applied does not undo the block
    desk.deliver(follow(user, now - timedelta(minutes=10), unblocked=True))
    with desk.sessions() as session:
        assert session.scalar(sa.select(LineUser.friend)) is False


def test_malformed_and_unknown_events_are_stored_flagged_and_the_batch_goes_on(
    desk: Desk,
) -> None:
    user = line_user_id()
    good = text(user, "相談したいです")
    no_id = {"type": "follow", "timestamp": 1}
    unknown = dict(follow(user), type="somethingNew")
    invalid = dict(follow(user))
    invalid.pop("follow")
    not_an_object = "just a string"
    body = json.dumps(
        {"destination": "x", "events": [no_id, unknown, invalid, not_an_object, good]}
    )
    assert desk.post(body.encode()).status_code == 200
    desk.work()
    with desk.sessions() as session:
        statuses = dict(
            session.execute(sa.select(WebhookEvent.event_type, WebhookEvent.status)).all()
        )
        problems = list(session.scalars(sa.select(WebhookEvent.problem)))
        assert session.scalar(sa.select(Message.text)) == "相談したいです"
    assert statuses["somethingNew"] == "unknown"
    assert statuses["follow"] == "invalid"
    assert statuses["malformed"] == "invalid"
    assert statuses["message"] == "applied"
    assert not any(user in (p or "") for p in problems)  # no LINE user id in a flag


def test_a_body_that_is_not_a_webhook_is_400_and_stores_nothing(desk: Desk) -> None:
    for raw in (b"not json", b"[]", b'{"events": 3}'):
        assert desk.post(raw).status_code == 400
    assert _count(desk, WebhookEvent) == 0


def test_group_events_are_stored_and_ignored(desk: Desk) -> None:
    event = text(line_user_id(), "hi")
    event["source"] = {"type": "group", "groupId": "C" + "1" * 32, "userId": line_user_id()}
    desk.deliver(event)
    assert _count(desk, Conversation) == 0
    with desk.sessions() as session:
        assert session.scalar(sa.select(WebhookEvent.status)) == "ignored"


def test_an_event_that_fails_to_apply_is_flagged_and_the_others_are_applied(desk: Desk) -> None:
    user = line_user_id()
    first = text(user, "一通目")
    clash = text(user, "同じ id の別イベント")
    clash["message"]["id"] = first["message"]["id"]  # a duplicate message id: cannot be stored
    after = text(user, "三通目")
    desk.deliver(first, clash, after)
    with desk.sessions() as session:
        statuses = sorted(session.scalars(sa.select(WebhookEvent.status)))
        inbound = sa.select(Message.text).where(Message.direction == "in")
        texts = sorted(t for t in session.scalars(inbound) if t)
        events = list(session.scalars(sa.select(OutboxEvent.type)))
    assert statuses == ["applied", "applied", "failed"]
    assert texts == ["一通目", "三通目"]
    assert events.count("line.message_received") == 2
