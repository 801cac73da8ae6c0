"""Sensitive notes (要配慮個人情報): only roles with sensitive-read see them."""

from __future__ import annotations

from tests.service.cases.support import Api, Member


def test_sensitive_notes_are_hidden_from_volunteers_and_viewers(api: Api, member: Member) -> None:
    volunteer = api.as_(member.volunteer)
    cid = volunteer.open_case()["id"]
    written = volunteer.post(
        f"/cases/{cid}/notes", json={"category": "illness", "body": "統合失調症で通院"}
    )
    assert written.status_code == 201
    assert "body" not in written.json  # written, but not to be read back
    volunteer.post(f"/cases/{cid}/notes", json={"category": "general", "body": "猫が好き"})
    assert [n["body"] for n in volunteer.get(f"/cases/{cid}/notes").json["items"]] == ["猫が好き"]
    assert [
        n["category"] for n in api.as_(member.viewer).get(f"/cases/{cid}/notes").json["items"]
    ] == ["general"]
    staff_view = api.as_(member.staff).get(f"/cases/{cid}/notes").json["items"]
    assert {n["body"] for n in staff_view} == {"統合失調症で通院", "猫が好き"}
    only = api.as_(member.staff).get(f"/cases/{cid}/notes?sensitive=true").json["items"]
    assert [n["sensitive"] for n in only] == [True]


def test_sensitive_notes_are_absent_from_lists_and_the_case_page(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    staff.post(f"/cases/{cid}/notes", json={"category": "criminal_record", "body": "前科あり"})
    assert "前科" not in staff.get("/cases").get_data(as_text=True)
    assert "前科" not in staff.get(f"/cases/{cid}").get_data(as_text=True)
    assert "前科" not in staff.get(f"/cases/{cid}/timeline").get_data(as_text=True)
    assert "前科" not in api.as_(member.admin).get("/audit?format=csv").get_data(as_text=True)
