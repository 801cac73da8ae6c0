"""The desk's conversations: queue order, taking one within the cap, answering (the assignee
only), closing; another org's staff get 404 on every route; bad input is 422 and changes
nothing; a counsellor never sees a LINE user id."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

import jwt
import pytest
import sqlalchemy as sa

from common.clock import JST
from common.testing.principals import Tenant, make_principal
from services.line.models import AuditEntry, Conversation, Delivery, Message
from tests.service.line.conftest import FakeCases
from tests.service.line.support import Desk, line_user_id, text

OPEN = datetime(2026, 12, 3, 18, 0, tzinfo=JST)


def _waiting(desk: Desk, n: int = 1, words: str = "相談です") -> list[str]:
    for i in range(n):
        desk.deliver(text(line_user_id(100 + i), words, OPEN + timedelta(minutes=i)))
    return [c["id"] for c in desk.conversations()]


def test_the_queue_puts_the_longest_waiting_first_and_filters_by_status(desk: Desk) -> None:
    ids = _waiting(desk, 3)
    desk.deliver(text(line_user_id(100), "まだですか", OPEN + timedelta(minutes=30)))
    assert [c["id"] for c in desk.conversations()] == ids
    desk.as_(desk.staff, "POST", f"/line/conversations/{ids[1]}/assign", json={})
    assert [c["id"] for c in desk.conversations(status="open")] == [ids[1]]
    assert [c["id"] for c in desk.conversations(status="waiting")] == [ids[0], ids[2]]
    first = desk.as_(desk.staff, "GET", "/line/conversations", query_string={"limit": 2})
    page = first.get_json()
    assert len(page["items"]) == 2
    rest = desk.as_(
        desk.staff,
        "GET",
        "/line/conversations",
        query_string={"limit": 2, "cursor": page["next_cursor"]},
    ).get_json()
    assert [c["id"] for c in page["items"] + rest["items"]] == ids


def test_a_counsellor_holds_at_most_the_desks_cap_of_open_conversations(desk: Desk) -> None:
    a, b, c = _waiting(desk, 3)
    for conversation in (a, b):
        path = f"/line/conversations/{conversation}/assign"
        assert desk.as_(desk.staff, "POST", path, json={}).status_code == 200
    third = desk.as_(desk.staff, "POST", f"/line/conversations/{c}/assign", json={})
    assert third.status_code == 409
    assert third.mimetype == "application/problem+json"
    handed = desk.as_(
        desk.staff,
        "POST",
        f"/line/conversations/{c}/assign",
        json={"user_id": str(desk.colleague.user_id)},
    )
    assert handed.status_code == 200
    assert handed.get_json()["assigned_to"] == str(desk.colleague.user_id)


def test_only_the_assignee_answers_and_the_answer_is_queued_for_sending(desk: Desk) -> None:
    [conversation] = _waiting(desk)
    path = f"/line/conversations/{conversation}/messages"
    assert desk.as_(desk.staff, "POST", path, json={"text": "こんにちは"}).status_code == 403
    desk.as_(desk.staff, "POST", f"/line/conversations/{conversation}/assign", json={})
    assert desk.as_(desk.colleague, "POST", path, json={"text": "横から"}).status_code == 403
    answer = desk.as_(desk.staff, "POST", path, json={"text": "お話を聞かせてください"})
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["direction"] == "out"
    assert body["delivery"] == "queued"
    with desk.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 1
    detail = desk.as_(desk.staff, "GET", f"/line/conversations/{conversation}").get_json()
    assert [m["direction"] for m in detail["messages"]] == ["in", "out"]
    assert detail["messages"][1]["by"] == str(desk.staff.user_id)
    assert detail["waiting_since"] is None
    assert line_user_id(100) not in json.dumps(detail)


def test_closing_is_the_assignees_and_a_new_message_opens_a_new_conversation(
    desk: Desk,
) -> None:
    [conversation] = _waiting(desk)
    close = f"/line/conversations/{conversation}/close"
    desk.as_(desk.staff, "POST", f"/line/conversations/{conversation}/assign", json={})
    assert desk.as_(desk.colleague, "POST", close, json={}).status_code == 403
    closed = desk.as_(desk.staff, "POST", close, json={"summary": "傾聴。次回予約なし。"})
    assert closed.status_code == 200
    assert closed.get_json()["status"] == "closed"
    assert desk.as_(desk.staff, "POST", close, json={}).status_code == 409
    desk.deliver(text(line_user_id(100), "また来ました", OPEN + timedelta(days=1)))
    statuses = sorted(c["status"] for c in desk.conversations())
    assert statuses == ["closed", "waiting"]


def test_the_assignee_opens_one_case_from_a_conversation_on_their_own_behalf(
    desk: Desk, cases_port: FakeCases
) -> None:
    [conversation] = _waiting(desk)
    path = f"/line/conversations/{conversation}/case"
    assert desk.as_(desk.staff, "POST", path, json={}).status_code == 403  # not assigned yet
    desk.as_(desk.staff, "POST", f"/line/conversations/{conversation}/assign", json={})
    answer = desk.as_(desk.staff, "POST", path, json={"by": "family"})
    assert answer.status_code == 201
    case_id = answer.get_json()["case_id"]
    [(token, body)] = cases_port.opened
    # the counsellor's own principal token: the cases service authorizes them, not us
    assert jwt.decode(token, options={"verify_signature": False})["sub"] == str(desk.staff.user_id)
    assert body["first_contact"]["channel"] == "line"
    assert body["first_contact"]["by"] == "family"
    assert body["person"]["anonymous"] is True
    assert line_user_id(100) not in json.dumps(body)
    again = desk.as_(desk.staff, "POST", path, json={})
    assert again.status_code == 409
    assert len(cases_port.opened) == 1
    detail = desk.as_(desk.staff, "GET", f"/line/conversations/{conversation}").get_json()
    assert detail["case_id"] == case_id
    bad = desk.as_(desk.staff, "POST", path, json={"by": "neighbour"})
    assert bad.status_code == 422


ROUTES = [
    ("GET", "/line/conversations/{id}", None),
    ("POST", "/line/conversations/{id}/assign", {}),
    ("POST", "/line/conversations/{id}/messages", {"text": "x"}),
    ("POST", "/line/conversations/{id}/close", {}),
    ("POST", "/line/conversations/{id}/case", {}),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_another_orgs_staff_get_404_on_every_conversation_route_and_nothing_changes(
    desk: Desk, method: str, path: str, body: dict[str, str] | None
) -> None:
    [conversation] = _waiting(desk)
    desk.as_(desk.staff, "POST", f"/line/conversations/{conversation}/assign", json={})
    stranger = make_principal(Tenant.new(consortium_id=desk.tenant.consortium_id), role="org_admin")
    for target in (conversation, str(uuid.uuid4())):
        answer = desk.as_(stranger, method, path.format(id=target), json=body)
        assert answer.status_code == 404
        assert answer.mimetype == "application/problem+json"
    assert desk.as_(stranger, "GET", "/line/conversations").get_json()["items"] == []
    with desk.sessions() as session:
        row = session.get(Conversation, uuid.UUID(conversation))
        assert row is not None
        assert row.assigned_to == desk.staff.user_id
        assert row.status == "open"
        assert session.scalar(sa.select(sa.func.count()).select_from(Message)) == 1
        refusals = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.org_id == stranger.org_id)
        ).all()
    assert refusals
    assert all(r.outcome == "denied" for r in refusals)


def test_a_viewer_of_the_desks_org_may_not_answer(desk: Desk) -> None:
    viewer = make_principal(desk.tenant, role="viewer")
    assert desk.as_(viewer, "GET", "/line/conversations").status_code == 403


def test_bad_conversation_input_is_422_problem_json_and_changes_nothing(desk: Desk) -> None:
    [conversation] = _waiting(desk)
    base = f"/line/conversations/{conversation}"
    desk.as_(desk.staff, "POST", f"{base}/assign", json={})
    cases = [
        (f"{base}/messages", {"text": ""}, "text"),
        (f"{base}/messages", {"text": "x" * 5001}, "text"),
        (f"{base}/messages", {"text": 3}, "text"),
        (f"{base}/messages", {}, "text"),
        (f"{base}/assign", {"user_id": "not-a-uuid"}, "user_id"),
        (f"{base}/close", {"summary": "x" * 5001}, "summary"),
        (f"{base}/close", {"extra": True}, "extra"),
    ]
    for path, body, field in cases:
        answer = desk.as_(desk.staff, "POST", path, json=body)
        assert answer.status_code == 422, (path, body)
        assert answer.mimetype == "application/problem+json"
        assert field in [e["field"] for e in answer.get_json()["errors"]]
    for query in ({"status": "lost"}, {"limit": "0"}, {"cursor": "%%%"}):
        answer = desk.as_(desk.staff, "GET", "/line/conversations", query_string=query)
        assert answer.status_code == 422, query
    with desk.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Message)) == 1
        row = session.get(Conversation, uuid.UUID(conversation))
        assert row is not None
        assert row.status == "open"
