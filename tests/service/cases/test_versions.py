"""Two people editing one case: nothing is lost silently. A case carries a version (its
ETag); an edit that names the version it started from (If-Match) is refused with 412 when
someone changed the case meanwhile. An edit without If-Match still works (API.md) and
changes only the fields it sends, on freshly read rows — so concurrent edits of different
fields both survive, and the search key always matches the name and kana."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from common.db import make_session_factory
from common.testing.services import migrated_database, test_settings
from common.textnorm import search_key
from services.cases import MIGRATIONS, create_app
from services.cases.models import Person
from services.cases.operations import cases as case_operations
from tests.service.cases.support import Api, Member, make_member, outbox, table_counts


def etag_of(version: int) -> str:
    return f'"{version}"'


def test_a_case_carries_its_version_as_an_etag(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    created = staff.post("/cases", json={"person": {"display_name": "山田 太郎"}})
    assert created.json["version"] == 1
    assert created.headers["ETag"] == etag_of(1)
    read = staff.get(f"/cases/{created.json['id']}")
    assert read.headers["ETag"] == etag_of(1)
    assert read.json["version"] == 1


def test_an_edit_naming_the_current_version_is_saved_and_moves_it_on(
    api: Api, member: Member
) -> None:
    staff = api.as_(member.staff)
    case = staff.open_case()
    response = staff.patch(
        f"/cases/{case['id']}",
        json={"person": {"municipality": "鹿児島市"}},
        headers={"If-Match": etag_of(1)},
    )
    assert response.status_code == 200, response.json
    assert response.json["version"] == 2
    assert response.headers["ETag"] == etag_of(2)


def test_an_edit_from_a_stale_version_is_refused_and_changes_nothing(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    """The lost update of issue #13: both read version 1; the first edit wins, the second
    is told (412) instead of silently overwriting it."""
    first, second = api.as_(member.staff), api.as_(member.admin)
    case = first.open_case(municipality="鹿児島市")
    seen = first.get(f"/cases/{case['id']}").headers["ETag"]
    assert second.get(f"/cases/{case['id']}").headers["ETag"] == seen
    assert (
        first.patch(
            f"/cases/{case['id']}",
            json={"person": {"municipality": "霧島市"}},
            headers={"If-Match": seen},
        ).status_code
        == 200
    )
    before = table_counts(sessions)
    events_before = len(outbox(sessions))
    refused = second.patch(
        f"/cases/{case['id']}",
        json={"person": {"municipality": "鹿屋市", "kana": "ヤマダ"}},
        headers={"If-Match": seen},
    )
    assert refused.status_code == 412
    assert refused.mimetype == "application/problem+json"
    assert refused.json["code"] == "case_changed"
    assert refused.headers["ETag"] == etag_of(2)
    now = first.get(f"/cases/{case['id']}").json
    assert (now["person"]["municipality"], now["person"]["kana"]) == ("霧島市", None)
    after = table_counts(sessions)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
    assert len(outbox(sessions)) == events_before


def test_an_edit_without_if_match_still_works_and_changes_only_what_it_sends(
    api: Api, member: Member
) -> None:
    first, second = api.as_(member.staff), api.as_(member.admin)
    case = first.open_case(municipality="鹿児島市", kana="ヤマダ タロウ")
    assert (
        first.patch(f"/cases/{case['id']}", json={"person": {"municipality": "霧島市"}}).status_code
        == 200
    )
    response = second.patch(f"/cases/{case['id']}", json={"person": {"kana": "ヤマダ"}})
    assert response.status_code == 200
    assert response.json["person"]["municipality"] == "霧島市"
    assert response.json["person"]["kana"] == "ヤマダ"
    assert response.json["version"] == 3


def test_if_match_star_and_a_list_with_the_current_version_pass(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    case = staff.open_case()
    path = f"/cases/{case['id']}"
    assert (
        staff.patch(path, json={"stage": "preparation"}, headers={"If-Match": "*"}).status_code
        == 200
    )
    both = f"{etag_of(1)}, {etag_of(2)}"
    assert (
        staff.patch(path, json={"stage": "experience"}, headers={"If-Match": both}).status_code
        == 200
    )
    assert (
        staff.patch(path, json={"stage": "intake"}, headers={"If-Match": 'W/"3"'}).status_code
        == 412
    ), "a weak tag never matches If-Match (RFC 9110 §13.1.1)"


def test_a_record_that_moves_the_stage_moves_the_version_and_a_plain_contact_does_not(
    api: Api, member: Member
) -> None:
    staff = api.as_(member.staff)
    case = staff.open_case()
    path = f"/cases/{case['id']}"
    contact = {"channel": "phone", "by": "self", "occurred_at": "2021-05-10"}
    assert staff.post(f"{path}/contacts", json=contact).status_code == 201
    assert staff.get(path).json["version"] == 1
    tour = {"type": "workplace_tour", "occurred_at": "2021-06-01"}
    assert staff.post(f"{path}/activities", json=tour).status_code == 201
    assert staff.get(path).json["version"] == 2
    stale = staff.patch(path, json={"stage": "intake"}, headers={"If-Match": etag_of(1)})
    assert stale.status_code == 412
    assert staff.get(path).json["stage"] == "experience"


def test_closing_and_reopening_honour_if_match(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    case = staff.open_case()
    path = f"/cases/{case['id']}"
    assert staff.patch(path, json={"assigned_to": str(member.staff.user_id)}).status_code == 200
    stale = staff.post(f"{path}/close", json={"reason": "就職"}, headers={"If-Match": etag_of(1)})
    assert stale.status_code == 412
    closed = staff.post(f"{path}/close", json={"reason": "就職"}, headers={"If-Match": etag_of(2)})
    assert closed.status_code == 200
    assert closed.headers["ETag"] == etag_of(3)
    reopened = staff.post(f"{path}/reopen", json={"reason": "再相談"}, headers={"If-Match": "*"})
    assert reopened.json["version"] == 4


def test_a_malformed_if_match_is_a_412_not_a_500(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    case = staff.open_case()
    for value in ('"abc"', '"', '""', 'W/"1"', '"1" junk'):
        response = staff.patch(
            f"/cases/{case['id']}", json={"stage": "preparation"}, headers={"If-Match": value}
        )
        assert response.status_code == 412, value
    assert staff.get(f"/cases/{case['id']}").json["stage"] == "intake"


def test_another_members_case_is_404_whatever_the_if_match(
    api: Api, member: Member, other: Member
) -> None:
    case = api.as_(member.staff).open_case()
    response = api.as_(other.staff).patch(
        f"/cases/{case['id']}", json={"stage": "preparation"}, headers={"If-Match": etag_of(1)}
    )
    assert response.status_code == 404


# --- the race on a real database (no savepoint wrapper) ---------------------------------


@pytest.fixture
def real_app(backend: str | None, tmp_path: Path) -> Iterator[tuple[Flask, sessionmaker[Session]]]:
    with migrated_database(tmp_path, MIGRATIONS, "cases_versions", backend) as engine:
        factory = make_session_factory(engine)
        yield create_app(test_settings(tmp_path), session_factory=factory), factory


def test_concurrent_name_and_kana_edits_both_survive_with_a_matching_search_key(
    real_app: tuple[Flask, sessionmaker[Session]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One person renames while another corrects the kana. The second edit waits for the
    first (row locks; SQLite: one writer) and then works on the fresh row, so the search key
    is computed from the name and kana that are actually stored."""
    app, sessions = real_app
    member = make_member(sessions)
    case = Api(app.test_client()).as_(member.staff).open_case(kana="ヤマダ タロウ")
    renamer_inside = threading.Event()
    real_key = case_operations.person_search_key

    def slow_key(display_name: str, kana: str | None) -> str:
        if threading.current_thread().name == "rename":
            renamer_inside.set()
            time.sleep(0.5)  # the other edit starts meanwhile and must wait for this one
        return real_key(display_name, kana)

    monkeypatch.setattr(case_operations, "person_search_key", slow_key)
    answers: dict[str, Any] = {}

    def edit(name: str, person: dict[str, str], principal: Any) -> None:
        if name == "kana":
            renamer_inside.wait(5)
        response = (
            Api(app.test_client())
            .as_(principal)
            .patch(f"/cases/{case['id']}", json={"person": person})
        )
        answers[name] = response.status_code

    threads = [
        threading.Thread(
            target=edit, name="rename", args=("rename", {"display_name": "佐藤 花子"}, member.staff)
        ),
        threading.Thread(target=edit, name="kana", args=("kana", {"kana": "ヤマダ"}, member.admin)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers == {"rename": 200, "kana": 200}
    with sessions() as session:
        person = session.scalar(sa.select(Person).where(Person.org_id == member.org_id))
        assert person is not None
        assert (person.display_name, person.kana) == ("佐藤 花子", "ヤマダ")
        assert person.search_key == "\x1f".join([search_key("佐藤 花子"), search_key("ヤマダ")])
    found = Api(app.test_client()).as_(member.staff).get("/cases", query_string={"q": "佐藤"})
    assert [c["id"] for c in found.json["items"]] == [case["id"]]
    assert uuid.UUID(case["id"])
