"""The cases area's pages, in process with a fake cases service: the list and a new case,
the case page and its forms, the consent withdrawal, notes and the import."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tests.unit.gateway.pages import data
from tests.unit.gateway.pages.harness import (
    BARE_UUID,
    Browser,
    FakeServices,
    html,
    problem,
    sign_in,
    visible_text,
)


@pytest.fixture
def staff(app: Flask, services: FakeServices) -> Browser:
    return sign_in(app, services, role="staff")


@pytest.fixture
def a_case(staff: Browser, services: FakeServices) -> dict[str, Any]:
    """A case of the staff member's org, with its timeline, staff and consortium."""
    org = str(staff.principal.org_id)
    found = data.case(org)
    services.cases.on(
        "GET",
        "/cases/{id}",
        lambda s: found if found["id"] in s.path else problem(404, "not_found"),
    )
    services.cases.on("GET", "/cases/{id}/timeline", data.timeline(found["id"]))
    services.cases.on(
        "GET", "/cases/assignees", data.page([{"id": data.new_id(), "name": "中村 由美"}])
    )
    services.auth.on(
        "GET",
        "/directory",
        data.directory((org, "かごしまサポステ"), (data.new_id(), "鹿児島家族会")),
    )
    return found


# --- the list and a new case -------------------------------------------------------------


def test_every_page_of_the_case_list_answers_with_a_link_to_the_next(
    staff: Browser, services: FakeServices
) -> None:
    org = str(staff.principal.org_id)
    services.cases.on("GET", "/cases/assignees", data.page([]))
    services.cases.on(
        "GET",
        "/cases",
        lambda s: data.page([data.case(org)], next_cursor=None if s.query.get("cursor") else "c2"),
    )
    first = staff.get("/cases/?stage=preparation")
    assert first.status_code == 200, html(first)
    assert "/cases/?stage=preparation&amp;cursor=c2" in html(first)
    second = staff.get("/cases/?stage=preparation&cursor=c2")
    assert second.status_code == 200
    assert services.cases.last("GET", "/cases").query == {
        "limit": "50",
        "stage": "preparation",
        "cursor": "c2",
    }
    assert "最初のページ" in visible_text(second)
    assert not BARE_UUID.search(visible_text(second))


def test_a_new_case_refused_keeps_what_was_typed_and_says_why_in_place(
    staff: Browser, services: FakeServices
) -> None:
    services.cases.on(
        "POST",
        "/cases",
        problem(
            422,
            "validation_failed",
            [
                {"field": "person.birth_year", "code": "less_than_equal"},
                {"field": "first_contact.occurred_at", "code": "in_future"},
            ],
        ),
    )
    page = staff.post(
        "/cases/new",
        {
            "display_name": "霧島 花子",
            "kana": "きりしま はなこ",
            "birth_year": "2090",
            "with_contact": "yes",
            "channel": "visit",
            "by": "self",
            "occurred_at": "2030-01-01T10:00",
            "summary": "初回の来所。",
        },
    )
    assert page.status_code == 422
    text = html(page)
    assert 'value="霧島 花子"' in text
    assert "初回の来所。" in text
    assert 'id="f-birth_year-error"' in text
    assert 'id="f-occurred_at-error"' in text
    assert "値が大きすぎます" in visible_text(page)
    assert "未来の日付です" in visible_text(page)
    assert 'class="error-summary"' in text
    assert "autofocus" in text
    assert "English text" not in text
    assert services.cases.last("POST", "/cases").body["person"]["birth_year"] == 2090


# --- the case page -----------------------------------------------------------------------


def test_the_case_page_names_everything_in_japanese(staff: Browser, a_case: dict[str, Any]) -> None:
    page = staff.get(f"/cases/{a_case['id']}")
    assert page.status_code == 200
    text = visible_text(page)
    assert "霧島 太郎" in text
    assert "職業適性検査" in text  # aptitude_test, in the timeline and as the stage's cause
    assert "aptitude_test" not in text
    assert not BARE_UUID.search(text)


def test_another_tenants_case_is_the_not_found_page(staff: Browser, a_case: dict[str, Any]) -> None:
    page = staff.get(f"/cases/{data.new_id()}")
    assert page.status_code == 404
    assert "見つからないか" in visible_text(page)


@pytest.mark.parametrize(
    ("form", "path", "typed", "field", "code", "message"),
    [
        (
            "activity",
            "activities",
            {
                "type": "work_experience",
                "occurred_at": "2026-11-20T10:00",
                "place": "霧島の農園",
                "days": "3",
                "allowance_yen": "３，０００",
            },
            "occurred_at",
            "in_future",
            "未来の日付です",
        ),
        (
            "outcome",
            "outcomes",
            {"type": "path_decided", "occurred_at": "2026-11-20T10:00", "employer": "霧島食品"},
            "path",
            "missing",
            "必須項目です",
        ),
        (
            "consent",
            "consents",
            {
                "given_by": "self",
                "method": "written",
                "obtained_at": "2026-11-20T10:00",
                "categories": ["identity"],
            },
            "to_org_ids",
            "too_short",
            "1つ以上選んでください",
        ),
    ],
)
def test_a_refused_form_on_the_case_page_stays_open_with_what_was_typed(
    staff: Browser,
    services: FakeServices,
    a_case: dict[str, Any],
    form: str,
    path: str,
    typed: dict[str, Any],
    field: str,
    code: str,
    message: str,
) -> None:
    services.cases.on(
        "POST",
        f"/cases/{{id}}/{path}",
        problem(422, "validation_failed", [{"field": field, "code": code}]),
    )
    page = staff.post(f"/cases/{a_case['id']}/{path}", typed)
    assert page.status_code == 422
    text = html(page)
    assert f'<details id="{form}" open>' in text
    assert f'id="{form}-errors"' in text  # the summary, which takes the focus
    assert message in visible_text(page)
    for value in typed.values():
        if isinstance(value, str) and not value.startswith("2026"):
            assert value in text
    assert "English text" not in text


def test_numbers_typed_in_full_width_reach_the_service_as_numbers(
    staff: Browser, services: FakeServices, a_case: dict[str, Any]
) -> None:
    services.cases.on("POST", "/cases/{id}/activities", {"id": data.new_id()}, status=201)
    done = staff.post(
        f"/cases/{a_case['id']}/activities",
        {
            "type": "work_experience",
            "occurred_at": "2026-11-20T10:00",
            "allowance_yen": "３，０００",
            "accompanied": "yes",
        },
    )
    assert done.status_code == 302
    sent = services.cases.last("POST", "/cases/{id}/activities").body
    assert sent["allowance_yen"] == 3000
    assert sent["accompanied"] is True


def test_withdrawing_a_consent_asks_first_and_needs_a_reason(
    staff: Browser, services: FakeServices, a_case: dict[str, Any]
) -> None:
    consent_id = data.new_id()
    a_case["consents"] = [
        {
            "id": consent_id,
            "status": "active",
            "to_org_ids": [data.new_id()],
            "categories": ["identity"],
            "given_by": "self",
            "method": "written",
            "obtained_at": data.NOW,
            "expires_at": None,
        }
    ]
    services.cases.on("POST", "/consents/{id}/withdraw", {"status": "withdrawn"})
    url = f"/cases/{a_case['id']}/consents/{consent_id}/withdraw"
    asked = staff.get(url)
    assert asked.status_code == 200
    assert "この同意を撤回しますか" in visible_text(asked)
    empty = staff.post(url, {"reason": "", "confirmed": "yes"})
    assert empty.status_code == 422
    assert "撤回の理由を入力してください" in visible_text(empty)
    assert not services.cases.calls("POST", "/consents/{id}/withdraw")
    done = staff.post(url, {"reason": "本人の申し出", "confirmed": "yes"})
    assert done.status_code == 302
    assert services.cases.last("POST", "/consents/{id}/withdraw").body == {"reason": "本人の申し出"}


def test_a_consent_of_another_case_cannot_be_withdrawn_from_this_one(
    staff: Browser, services: FakeServices, a_case: dict[str, Any]
) -> None:
    page = staff.post(
        f"/cases/{a_case['id']}/consents/{data.new_id()}/withdraw",
        {"reason": "x", "confirmed": "yes"},
    )
    assert page.status_code == 404
    assert not services.writes()


# --- notes and the import ----------------------------------------------------------------


def test_a_refused_note_keeps_its_text(
    staff: Browser, services: FakeServices, a_case: dict[str, Any]
) -> None:
    services.cases.on("GET", "/cases/{id}/notes", data.page([]))
    services.cases.on(
        "POST",
        "/cases/{id}/notes",
        problem(422, "validation_failed", [{"field": "body", "code": "string_too_long"}]),
    )
    page = staff.post(f"/cases/{a_case['id']}/notes", {"category": "illness", "body": "通院中。"})
    assert page.status_code == 422
    assert "通院中。" in html(page)
    assert "長すぎます" in visible_text(page)


def test_an_import_without_a_file_is_explained_on_the_page(
    staff: Browser, services: FakeServices
) -> None:
    services.cases.on("GET", "/imports", data.page([]))
    page = staff.post("/cases/imports", {})
    assert page.status_code == 422
    assert "CSVまたはExcelファイルを選んでください" in visible_text(page)
    assert not services.writes()


def test_a_new_case_form_submitted_twice_sends_one_idempotency_key(
    staff: Browser, services: FakeServices
) -> None:
    """A double click, or a reload after a slow answer, must not open two cases: every
    rendering of a form carries a nonce, and the POSTs it makes carry a key made of it."""
    services.cases.on("GET", "/cases/assignees", data.page([]))
    form = staff.get("/cases/new")
    nonce = re.search(r'name="form_nonce" value="([^"]+)"', html(form))
    assert nonce is not None
    assert nonce.group(1) not in html(staff.get("/cases/new"))  # each rendering its own
    created = data.case(str(staff.principal.org_id))
    services.cases.on("POST", "/cases", (201, created))
    typed = {"form_nonce": nonce.group(1), "display_name": "霧島 花子"}
    assert staff.post("/cases/new", typed).status_code == 302
    assert staff.post("/cases/new", typed).status_code == 302
    keys = [s.headers.get("Idempotency-Key") for s in services.cases.calls("POST", "/cases")]
    assert len(keys) == 2
    assert keys[0] is not None
    assert keys[0].startswith("ui:")
    assert keys[0] == keys[1]
