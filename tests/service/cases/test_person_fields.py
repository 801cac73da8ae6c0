"""Optional person fields: the contract allows null, and a form sends "" for a field left
empty. Both mean "nothing there" — never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.cases.support import Api, Member

OPTIONAL_TEXT = ("kana", "municipality", "phone", "email", "address")


@pytest.mark.parametrize("empty", [None, "", "   "])
@pytest.mark.parametrize("name", OPTIONAL_TEXT)
def test_an_empty_optional_text_field_opens_the_case_without_it(
    api: Api, member: Member, name: str, empty: Any
) -> None:
    response = api.as_(member.staff).post(
        "/cases", json={"person": {"display_name": "山田 太郎", name: empty}}
    )
    assert response.status_code == 201, response.json
    case = api.as_(member.staff).get(f"/cases/{response.json['id']}").json
    assert case["person"][name] is None


@pytest.mark.parametrize(
    ("name", "empty", "stored"),
    [
        ("birth_year", None, None),
        ("birth_year", "", None),
        ("gender", None, "unknown"),
        ("gender", "", "unknown"),
        ("anonymous", None, False),
    ],
)
def test_an_empty_optional_field_of_another_type_takes_its_default(
    api: Api, member: Member, name: str, empty: Any, stored: Any
) -> None:
    response = api.as_(member.staff).post(
        "/cases", json={"person": {"display_name": "山田 太郎", name: empty}}
    )
    assert response.status_code == 201, response.json
    assert response.json["person"][name] == stored


@pytest.mark.parametrize("empty", [None, ""])
@pytest.mark.parametrize("name", OPTIONAL_TEXT)
def test_an_edit_with_an_empty_optional_field_clears_it(
    api: Api, member: Member, name: str, empty: Any
) -> None:
    staff = api.as_(member.staff)
    filled = {"kana": "ヤマダ", "municipality": "鹿児島市", "phone": "099-000-0000"}
    filled |= {"email": "a@example.jp", "address": "鹿児島市1-1"}
    case = staff.open_case(**filled)
    response = staff.patch(f"/cases/{case['id']}", json={"person": {name: empty}})
    assert response.status_code == 200, response.json
    person = response.json["person"]
    assert person[name] is None
    assert all(person[k] == v for k, v in filled.items() if k != name)


def test_clearing_the_kana_takes_it_out_of_the_search(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    case = staff.open_case(display_name="山田 太郎", kana="ヤマダ タロウ")
    assert [c["id"] for c in staff.get("/cases", query_string={"q": "やまだ"}).json["items"]] == [
        case["id"]
    ]
    assert staff.patch(f"/cases/{case['id']}", json={"person": {"kana": ""}}).status_code == 200
    assert staff.get("/cases", query_string={"q": "やまだ"}).json["items"] == []


@pytest.mark.parametrize(
    ("name", "empty", "stored"),
    [("birth_year", None, None), ("birth_year", "", None), ("gender", None, "unknown")],
)
def test_an_edit_with_an_empty_birth_year_or_gender_resets_it(
    api: Api, member: Member, name: str, empty: Any, stored: Any
) -> None:
    staff = api.as_(member.staff)
    case = staff.open_case(birth_year=1980, gender="male")
    response = staff.patch(f"/cases/{case['id']}", json={"person": {name: empty}})
    assert response.status_code == 200, response.json
    assert response.json["person"][name] == stored


@pytest.mark.parametrize("empty", [None, ""])
def test_the_name_is_never_emptied(api: Api, member: Member, empty: Any) -> None:
    staff = api.as_(member.staff)
    case = staff.open_case()
    response = staff.patch(f"/cases/{case['id']}", json={"person": {"display_name": empty}})
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["person.display_name"]
    assert staff.get(f"/cases/{case['id']}").json["person"]["display_name"] == "山田 太郎"
