"""Safe retries (API.md): a POST with an Idempotency-Key is done once per caller and key;
a retry gets the first answer and changes nothing. The key's row is written in the
operation's own transaction (common.idempotency)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from common.db import make_session_factory
from common.idempotency import prune_idempotent_requests
from common.testing.clock import MovableClock
from common.testing.services import migrated_database, test_settings
from services.cases import MIGRATIONS, create_app
from services.cases.models import Case, IdempotentRequest
from services.cases.operations import cases as case_operations
from tests.service.cases.support import (
    Api,
    Member,
    audit_count,
    make_member,
    outbox,
    table_counts,
)

BODY = {"person": {"display_name": "山田 太郎"}}


def cases_of(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(Case)) or 0)


def test_a_retried_post_creates_one_case_and_answers_the_same(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    """The 504 that hid a committed write: the client retries with its key and gets the
    case that was made, not a second one."""
    staff = api.as_(member.staff)
    key = {"Idempotency-Key": "retry-7f3a"}
    first = staff.post("/cases", json=BODY, headers=key)
    assert first.status_code == 201
    before = table_counts(sessions)
    again = staff.post("/cases", json=BODY, headers=key)
    assert again.status_code == 201
    assert again.json == first.json
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert table_counts(sessions) == before
    assert cases_of(sessions) == 1
    assert len(outbox(sessions, "case.opened")) == 1


def test_the_same_key_for_another_body_is_422_and_changes_nothing(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    staff = api.as_(member.staff)
    key = {"Idempotency-Key": "k-1"}
    assert staff.post("/cases", json=BODY, headers=key).status_code == 201
    before = table_counts(sessions)
    other = staff.post("/cases", json={"person": {"display_name": "別人"}}, headers=key)
    assert other.status_code == 422
    assert other.mimetype == "application/problem+json"
    assert other.json["errors"][0]["field"] == "Idempotency-Key"
    assert table_counts(sessions) == before


def test_a_key_is_the_callers_own(
    api: Api, member: Member, other: Member, sessions: sessionmaker[Session]
) -> None:
    """Another user's identical key and body is another request: it is done, and it does
    not get the first caller's answer (which would leak a case id across tenants)."""
    key = {"Idempotency-Key": "same-key"}
    mine = api.as_(member.staff).post("/cases", json=BODY, headers=key)
    theirs = api.as_(other.staff).post("/cases", json=BODY, headers=key)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json["id"] != theirs.json["id"]
    assert "Idempotent-Replayed" not in theirs.headers
    assert cases_of(sessions) == 2


def test_a_refused_request_is_not_remembered_and_may_be_retried_once_fixed(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    staff = api.as_(member.staff)
    key = {"Idempotency-Key": "k-bad"}
    bad = staff.post("/cases", json={"person": {"display_name": ""}}, headers=key)
    assert bad.status_code == 422
    assert (
        staff.post("/cases", json={"person": {"display_name": ""}}, headers=key).status_code == 422
    )
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(IdempotentRequest)) == 0


def test_a_refusal_that_was_audited_is_answered_again_without_a_second_entry(
    api: Api, member: Member, other: Member, sessions: sessionmaker[Session]
) -> None:
    theirs = api.as_(other.staff).open_case()["id"]
    staff = api.as_(member.staff)
    key = {"Idempotency-Key": "k-404"}
    note = {"category": "general", "body": "x"}
    assert staff.post(f"/cases/{theirs}/notes", json=note, headers=key).status_code == 404
    audited = audit_count(sessions, member.org_id, outcome="denied")
    again = staff.post(f"/cases/{theirs}/notes", json=note, headers=key)
    assert again.status_code == 404
    assert audit_count(sessions, member.org_id, outcome="denied") == audited


def test_keys_are_kept_24_hours(
    api: Api, member: Member, sessions: sessionmaker[Session], clock: MovableClock
) -> None:
    staff = api.as_(member.staff)
    key = {"Idempotency-Key": "daily"}
    assert staff.post("/cases", json=BODY, headers=key).status_code == 201
    clock.advance(timedelta(hours=23))
    assert staff.post("/cases", json=BODY, headers=key).headers.get("Idempotent-Replayed")
    clock.advance(timedelta(hours=2))
    fresh = staff.post("/cases", json=BODY, headers=key)
    assert fresh.status_code == 201
    assert "Idempotent-Replayed" not in fresh.headers
    assert cases_of(sessions) == 2
    with sessions() as session:
        assert prune_idempotent_requests(session, IdempotentRequest, clock() + timedelta(hours=25))
        assert session.scalar(sa.select(sa.func.count()).select_from(IdempotentRequest)) == 0


def test_a_malformed_key_is_422(api: Api, member: Member, sessions: sessionmaker[Session]) -> None:
    staff = api.as_(member.staff)
    for bad in ("x" * 256, "", "tab\tkey"):
        response = staff.post("/cases", json=BODY, headers={"Idempotency-Key": bad})
        assert response.status_code == 422, bad
    assert cases_of(sessions) == 0


@pytest.fixture
def real_app(backend: str | None, tmp_path: Path) -> Iterator[tuple[Flask, sessionmaker[Session]]]:
    with migrated_database(tmp_path, MIGRATIONS, "cases_idempotency", backend) as engine:
        factory = make_session_factory(engine)
        yield create_app(test_settings(tmp_path), session_factory=factory), factory


def test_two_requests_racing_with_one_key_create_one_case(
    real_app: tuple[Flask, sessionmaker[Session]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client gave up on the first and retried while it was still running: the retry
    waits (SQLite: one writer) or fails on the key (PostgreSQL) and does not make a second
    case; it answers as a retry does."""
    app, sessions = real_app
    member = make_member(sessions)
    first_inside = threading.Event()
    real_key = case_operations.person_search_key

    def slow_key(display_name: str, kana: str | None) -> str:
        if threading.current_thread().name == "first":
            first_inside.set()
            time.sleep(0.5)
        return real_key(display_name, kana)

    monkeypatch.setattr(case_operations, "person_search_key", slow_key)
    answers: dict[str, Any] = {}

    def post(name: str) -> None:
        if name == "retry":
            first_inside.wait(5)
        response = (
            Api(app.test_client())
            .as_(member.staff)
            .post("/cases", json=BODY, headers={"Idempotency-Key": "raced"})
        )
        answers[name] = (response.status_code, response.json)

    threads = [threading.Thread(target=post, name=n, args=(n,)) for n in ("first", "retry")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers["first"][0] == 201
    assert answers["retry"][0] in (201, 409)
    if answers["retry"][0] == 201:
        assert answers["retry"][1] == answers["first"][1]
    assert cases_of(sessions) == 1


def test_the_openapi_document_offers_the_key_on_signed_in_posts(api: Api) -> None:
    document = api.get("/openapi.json").json
    create = document["paths"]["/cases"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in create["parameters"]}
    listing = document["paths"]["/cases"]["get"]
    assert "Idempotency-Key" not in {p["name"] for p in listing["parameters"]}
