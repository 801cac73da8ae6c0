"""What the worker makes of LINE events: friends in the ledger by JST fiscal year, a
conversation per LINE user, media by type, unsend erasing everywhere, out-of-hours answered
once — and the events it publishes, pseudonymous and exactly per contracts/events/line.*."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import sqlalchemy as sa

from common.clock import JST, as_utc, utcnow
from services.line.models import (
    Conversation,
    Delivery,
    FriendLedgerEntry,
    Media,
    Message,
    OutboxEvent,
    WebhookEvent,
)
from services.line.operations import intake
from tests.service.line.support import (
    Desk,
    body_of,
    follow,
    image,
    line_user_id,
    text,
    unfollow,
    unsend,
)

CONTRACTS = Path(__file__).resolve().parents[3] / "contracts" / "events"
OPEN = datetime(2026, 12, 3, 18, 0, tzinfo=JST)
CLOSED = datetime(2026, 12, 3, 22, 30, tzinfo=JST)


def published(desk: Desk) -> list[dict[str, Any]]:
    with desk.sessions() as session:
        return [
            json.loads(body)
            for body in session.scalars(sa.select(OutboxEvent.body).order_by(OutboxEvent.seq))
        ]


def test_published_events_match_their_contracts_and_carry_no_line_user_id(desk: Desk) -> None:
    user = line_user_id(7)
    desk.deliver(follow(user, OPEN), text(user, "こんばんは", OPEN + timedelta(minutes=1)))
    desk.deliver(unfollow(user, OPEN + timedelta(minutes=2)))
    events = published(desk)
    assert [e["type"] for e in events] == [
        "line.followed",
        "line.conversation_opened",
        "line.message_received",
        "line.unfollowed",
    ]
    for event in events:
        schema = json.loads((CONTRACTS / f"{event['type']}.json").read_text())
        jsonschema.validate(event["data"], schema)
        assert event["org_id"] == str(desk.tenant.org_id)
        assert event["consortium_id"] == str(desk.tenant.consortium_id)
        assert user not in json.dumps(event)
    hashes = {e["data"]["line_user_hash"] for e in events}
    assert len(hashes) == 1  # one pseudonym per user per channel
    received = events[2]["data"]
    assert received["message_type"] == "text"
    assert received["out_of_hours"] is False
    assert events[1]["data"]["conversation_id"] == received["conversation_id"]


def test_closing_publishes_the_conversations_counts_per_its_contract(desk: Desk) -> None:
    user = line_user_id(8)
    desk.deliver(text(user, "相談です", OPEN), text(user, "続きです", OPEN + timedelta(minutes=1)))
    conversation = desk.conversations()[0]["id"]
    desk.as_(desk.staff, "POST", f"/line/conversations/{conversation}/assign", json={})
    desk.as_(
        desk.staff, "POST", f"/line/conversations/{conversation}/messages", json={"text": "はい"}
    )
    closed = desk.as_(desk.staff, "POST", f"/line/conversations/{conversation}/close", json={})
    assert closed.status_code == 200
    [event] = [e for e in published(desk) if e["type"] == "line.conversation_closed"]
    schema = json.loads((CONTRACTS / "line.conversation_closed.json").read_text())
    jsonschema.validate(event["data"], schema)
    assert event["data"]["messages_in"] == 2
    assert event["data"]["messages_out"] == 1
    assert event["actor_id"] == str(desk.staff.user_id)
    assert user not in json.dumps(event)


def test_a_follow_counts_in_the_fiscal_year_of_its_jst_date(desk: Desk) -> None:
    last_minute = datetime(2021, 3, 31, 23, 59, tzinfo=JST)
    first_minute = datetime(2021, 4, 1, 0, 0, tzinfo=JST)
    desk.deliver(follow(line_user_id(1), last_minute), follow(line_user_id(2), first_minute))
    years = [e["data"]["fiscal_year"] for e in published(desk)]
    assert years == [2020, 2021]
    with desk.sessions() as session:
        ledger = sorted(session.scalars(sa.select(FriendLedgerEntry.fiscal_year)))
    assert ledger == [2020, 2021]


def test_a_refollow_after_a_block_is_marked_as_such(desk: Desk) -> None:
    user = line_user_id()
    desk.deliver(follow(user, OPEN), unfollow(user, OPEN + timedelta(hours=1)))
    desk.deliver(follow(user, OPEN + timedelta(hours=2), unblocked=True))
    kinds = [(e["type"], e["data"].get("refollow")) for e in published(desk)]
    assert kinds == [("line.followed", False), ("line.unfollowed", None), ("line.followed", True)]


def test_messages_of_one_user_share_a_conversation_waiting_for_the_desk(desk: Desk) -> None:
    user = line_user_id()
    desk.deliver(
        text(user, "はじめまして", OPEN), text(user, "相談です", OPEN + timedelta(minutes=1))
    )
    desk.deliver(text(line_user_id(2), "別の人", OPEN))
    items = desk.conversations()
    assert len(items) == 2
    mine = next(c for c in items if c["unread"] == 2)
    assert mine["status"] == "waiting"
    assert mine["waiting_since"] == as_utc(OPEN).isoformat()
    detail = desk.as_(desk.staff, "GET", f"/line/conversations/{mine['id']}").get_json()
    assert [m["text"] for m in detail["messages"]] == ["はじめまして", "相談です"]
    assert user not in json.dumps(detail)


def test_media_is_stored_by_type_and_downloaded_into_our_own_store(desk: Desk, line_api) -> None:
    user = line_user_id()
    event = image(user, OPEN)
    line_api.content[event["message"]["id"]] = (b"\x89PNG fake image", "image/png")
    desk.deliver(event)
    assert desk.fetch_media() == 1
    with desk.sessions() as session:
        stored = session.scalar(sa.select(Media))
        message = session.scalar(sa.select(Message))
    assert message is not None
    assert message.type == "image"
    assert stored is not None
    assert stored.status == "stored"
    assert stored.content == b"\x89PNG fake image"
    assert stored.content_type == "image/png"
    assert line_api.calls_to(f"/v2/bot/message/{event['message']['id']}/content")


def test_unsend_erases_the_message_and_its_media_everywhere(desk: Desk, line_api) -> None:
    user = line_user_id()
    words = text(user, "やっぱり消します", OPEN)
    picture = image(user, OPEN + timedelta(seconds=1))
    line_api.content[picture["message"]["id"]] = (b"photo", "image/jpeg")
    desk.deliver(words, picture)
    desk.fetch_media()
    desk.deliver(
        unsend(user, words["message"]["id"], OPEN + timedelta(seconds=2)),
        unsend(user, picture["message"]["id"], OPEN + timedelta(seconds=3)),
    )
    with desk.sessions() as session:
        messages = list(session.scalars(sa.select(Message)))
        media = session.scalar(sa.select(Media))
    assert all(m.text is None and m.redacted_at is not None for m in messages)
    with desk.sessions() as session:
        raws = [desk.deps.box.open(r) for r in session.scalars(sa.select(WebhookEvent.raw))]
    assert not any("やっぱり" in r for r in raws)  # the raw event is erased too
    assert media is not None
    assert media.content is None
    assert media.status == "erased"
    conversation = desk.conversations()[0]
    detail = desk.as_(desk.staff, "GET", f"/line/conversations/{conversation['id']}").get_json()
    assert all(m["redacted"] for m in detail["messages"])
    assert "やっぱり" not in json.dumps(detail, ensure_ascii=False)


def test_an_unsend_that_arrives_before_its_message_still_erases_it(desk: Desk) -> None:
    user = line_user_id()
    words = text(user, "消したい", OPEN)
    desk.deliver(unsend(user, words["message"]["id"], OPEN + timedelta(seconds=5)))
    desk.deliver(words)
    with desk.sessions() as session:
        message = session.scalar(sa.select(Message))
    assert message is not None
    assert message.text is None
    assert message.redacted_at is not None
    with desk.sessions() as session:
        raws = [desk.deps.box.open(r) for r in session.scalars(sa.select(WebhookEvent.raw))]
    assert not any("消したい" in r for r in raws)


def test_an_unsend_applied_while_its_message_is_still_pending_erases_it_once_applied(
    desk: Desk,
) -> None:
    user = line_user_id()
    words = text(user, "取り消します", OPEN)
    taken_back = unsend(user, words["message"]["id"], OPEN + timedelta(seconds=5))
    assert desk.post(body_of(words, taken_back)).status_code == 200
    with desk.sessions() as session:
        unsend_seq = session.scalar(
            sa.select(WebhookEvent.seq).where(WebhookEvent.event_type == "unsend")
        )
        assert unsend_seq is not None
        intake.apply_one(session, desk.deps, unsend_seq)  # a second worker got there first
    desk.work()
    with desk.sessions() as session:
        message = session.scalar(sa.select(Message))
        statuses = set(session.scalars(sa.select(WebhookEvent.status)))
        raws = [desk.deps.box.open(r) for r in session.scalars(sa.select(WebhookEvent.raw))]
    assert statuses == {"applied"}
    assert message is not None
    assert message.text is None
    assert not any("取り消します" in r for r in raws)


def test_raw_events_are_sealed_at_rest_and_erased_after_a_month(desk: Desk) -> None:
    user = line_user_id(9)
    desk.deliver(text(user, "秘密の相談", OPEN))
    with desk.sessions() as session:
        [raw] = list(session.scalars(sa.select(WebhookEvent.raw)))
    assert raw.startswith("fernet:")
    assert user not in raw
    assert "秘密の相談" in desk.deps.box.open(raw)
    assert intake.erase_old_raw(desk.sessions, desk.deps) == 0
    desk.deps.clock = lambda: utcnow() + timedelta(days=31)  # type: ignore[method-assign]
    assert intake.erase_old_raw(desk.sessions, desk.deps) == 1
    with desk.sessions() as session:
        row = session.scalar(sa.select(WebhookEvent))
    assert row is not None
    assert row.raw == ""
    assert row.webhook_event_id  # still there: a late redelivery is still recognised


def test_out_of_hours_gets_one_answer_per_waiting_period_through_the_reply_token(
    desk: Desk,
) -> None:
    user = line_user_id()
    first = text(user, "夜遅くにすみません", CLOSED)
    second = text(user, "まだ起きてます", CLOSED + timedelta(minutes=1))
    desk.deliver(first, second)
    with desk.sessions() as session:
        deliveries = list(session.scalars(sa.select(Delivery)))
        conversation = session.scalar(sa.select(Conversation))
    assert len(deliveries) == 1
    assert deliveries[0].reply_only
    assert deliveries[0].reply_token == first["replyToken"]
    assert conversation is not None
    assert conversation.out_of_hours
    received = [e for e in published(desk) if e["type"] == "line.message_received"]
    assert [e["data"]["out_of_hours"] for e in received] == [True, True]


def test_a_message_in_hours_gets_no_automatic_answer(desk: Desk) -> None:
    desk.deliver(text(line_user_id(), "こんにちは", OPEN))
    with desk.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0


def test_alarming_words_raise_the_risk_and_put_the_conversation_first(desk: Desk) -> None:
    desk.deliver(text(line_user_id(1), "話を聞いてほしい", OPEN))
    desk.deliver(text(line_user_id(2), "もう死にたい", OPEN + timedelta(minutes=5)))
    desk.deliver(text(line_user_id(3), "毎日つらい", OPEN + timedelta(minutes=1)))
    risks = [c["risk"] for c in desk.conversations()]
    assert risks == ["high", "watch", "none"]


def test_the_friend_ledger_counts_new_friends_once_by_jst_fiscal_year(desk: Desk) -> None:
    last_minute = datetime(2021, 3, 31, 23, 59, tzinfo=JST)
    first_minute = datetime(2021, 4, 1, 0, 0, tzinfo=JST)
    one, two = line_user_id(1), line_user_id(2)
    desk.deliver(follow(one, last_minute), follow(two, first_minute))
    desk.deliver(
        unfollow(two, first_minute + timedelta(days=1)),
        follow(two, first_minute + timedelta(days=2), unblocked=True),
        # a second "new" follow of the same person (e.g. after deleting the friend) counts once
        follow(two, first_minute + timedelta(days=3)),
    )
    path = f"/line/channels/{desk.channel_id}/friends"
    fy2020 = desk.as_(desk.admin, "GET", path, query_string={"fiscal_year": 2020}).get_json()
    fy2021 = desk.as_(desk.admin, "GET", path, query_string={"fiscal_year": 2021}).get_json()
    assert (fy2020["new_friends"], fy2020["refollows"], fy2020["blocks"]) == (1, 0, 0)
    assert (fy2021["new_friends"], fy2021["refollows"], fy2021["blocks"]) == (1, 1, 1)
    assert fy2021["friends_now"] == 2
    bad = desk.as_(desk.admin, "GET", path, query_string={"fiscal_year": "令和3"})
    assert bad.status_code == 422
    assert desk.as_(desk.staff, "GET", path, query_string={"fiscal_year": 2021}).status_code == 404
