"""Editing a case from its page: the form sends only what the user changed and the version
it was made from (If-Match); when someone changed the case meanwhile (412) the form comes
back open, with what was typed and a Japanese explanation. A case opened from a referral
links back to it."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.unit.gateway.pages import data
from tests.unit.gateway.pages.harness import (
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
    found = data.case(str(staff.principal.org_id), version=4, origin_referral_id=data.new_id())
    services.cases.on("GET", "/cases/{id}", found)
    services.cases.on("GET", "/cases/{id}/timeline", data.timeline(found["id"]))
    services.cases.on("GET", "/cases/assignees", data.page([]))
    services.auth.on("GET", "/directory", data.directory())
    return found


def person_form(case: dict[str, Any], **typed: str) -> dict[str, str]:
    person = case["person"]
    form = {
        "section": "person",
        "version": str(case["version"]),
        "display_name": person["display_name"],
        "kana": person["kana"],
        "birth_year": str(person["birth_year"]),
        "gender": person["gender"],
        "municipality": person["municipality"],
        "phone": "",
        "email": "",
        "address": "",
    }
    return form | typed


def test_the_case_page_carries_its_version_and_links_to_its_referral(
    staff: Browser, a_case: dict[str, Any]
) -> None:
    page = html(staff.get(f"/cases/{a_case['id']}"))
    assert page.count('name="version" value="4"') == 2
    assert f"/referrals/{a_case['origin_referral_id']}" in page
    assert "このケースの元になった紹介" in page


def test_an_edit_sends_only_what_changed_with_the_version_it_started_from(
    staff: Browser, services: FakeServices, a_case: dict[str, Any]
) -> None:
    services.cases.on("PATCH", "/cases/{id}", a_case)
    done = staff.post(f"/cases/{a_case['id']}/update", person_form(a_case, municipality="鹿屋市"))
    assert done.status_code == 302
    sent = services.cases.last("PATCH", "/cases/{id}")
    assert sent.body == {"person": {"municipality": "鹿屋市"}}
    assert sent.headers["If-Match"] == '"4"'


def test_an_edit_that_changes_nothing_sends_nothing(
    staff: Browser, services: FakeServices, a_case: dict[str, Any]
) -> None:
    done = staff.post(f"/cases/{a_case['id']}/update", person_form(a_case))
    assert done.status_code == 302
    assert services.cases.calls("PATCH", "/cases/{id}") == []


def test_a_stale_edit_comes_back_with_what_was_typed_and_why(
    staff: Browser, services: FakeServices, a_case: dict[str, Any]
) -> None:
    services.cases.on("PATCH", "/cases/{id}", problem(412, "case_changed"))
    page = staff.post(f"/cases/{a_case['id']}/update", person_form(a_case, kana="きりしま"))
    assert page.status_code == 422
    assert '<details id="person" open>' in html(page)
    assert 'value="きりしま"' in html(page)
    assert "編集中に他の人がこのケースを変更しました" in visible_text(page)
