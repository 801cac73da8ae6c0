from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from tests.service.cases.support import Api, Member, contact, outbox


def test_a_request_without_a_principal_token_is_refused(api: Api) -> None:
    response = api.get("/cases")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_staff_open_a_case_with_a_family_consultation(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    case = staff.open_case(
        display_name="山田 太郎",
        kana="ヤマダ タロウ",
        birth_year=1980,
        gender="male",
        first_contact=contact(),
    )
    assert case["org_id"] == str(member.org_id)
    assert case["stage"] == "intake"
    assert case["person"]["display_name"] == "山田 太郎"
    assert case["person_key"]
    assert [c["by"] for c in case["contacts"]] == ["family"]
    assert case["family_only"] is True
    assert case["consent_ladder"]["rung"] == "family_named"
    # The case opened when the family first called, not when it was typed in.
    assert case["opened_at"].startswith("2021-05-10T05:00")


def test_the_case_page_has_everything_recorded(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    case = staff.open_case()
    cid = case["id"]
    assert (
        staff.post(f"/cases/{cid}/contacts", json=contact(by="self", relationship=None)).status_code
        == 201
    )
    activity = {
        "type": "workplace_tour",
        "occurred_at": "2021-06-01",
        "accompanied": True,
        "place": "鹿児島市の農園",
    }
    assert staff.post(f"/cases/{cid}/activities", json=activity).status_code == 201
    outcome = {"type": "job_search_started", "occurred_at": "2021-07-01"}
    assert staff.post(f"/cases/{cid}/outcomes", json=outcome).status_code == 201
    page = staff.get(f"/cases/{cid}").json
    assert page["stage"] == "job_search"
    assert [a["type"] for a in page["activities"]] == ["workplace_tour"]
    assert page["activities"][0]["accompanied"] is True
    assert [o["type"] for o in page["outcomes"]] == ["job_search_started"]
    assert page["consent_ladder"]["rung"] == "person_reached"
    kinds = [s["kind"] for s in page["stage_history"]]
    assert kinds == ["open", "advance", "advance"]
    timeline = staff.get(f"/cases/{cid}/timeline").json["items"]
    assert {i["kind"] for i in timeline} == {"contact", "activity", "outcome", "stage"}
    assert timeline == sorted(timeline, key=lambda i: i["at"], reverse=True)


def test_an_experiential_work_records_place_days_and_allowance(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    body = {
        "type": "work_experience",
        "occurred_at": "2021-08-02",
        "place": "清掃会社",
        "days": 5,
        "allowance_yen": 15000,
        "accompanied": False,
    }
    created = staff.post(f"/cases/{cid}/activities", json=body).json
    assert (created["days"], created["allowance_yen"], created["place"]) == (5, 15000, "清掃会社")


def test_retention_follow_ups_have_their_checkpoints(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    for months in (1, 3, 6, 12):
        body = {
            "type": "retention_followup",
            "occurred_at": "2022-01-10",
            "checkpoint_months": months,
            "retained": True,
        }
        assert staff.post(f"/cases/{cid}/activities", json=body).status_code == 201
    assert staff.get(f"/cases/{cid}").json["stage"] == "retention"


def test_a_decided_path_keeps_employer_and_sector(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    body = {
        "type": "path_decided",
        "path": "employment_nonregular",
        "employer": "○○農園",
        "sector": "農業",
        "occurred_at": "2021-09-01",
    }
    created = staff.post(f"/cases/{cid}/outcomes", json=body).json
    assert (created["path"], created["employer"], created["sector"]) == (
        "employment_nonregular",
        "○○農園",
        "農業",
    )
    assert staff.get(f"/cases/{cid}").json["stage"] == "employed"


def test_records_move_a_case_up_the_ladder_never_down(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    assert staff.patch(f"/cases/{cid}", json={"stage": "job_search"}).json["stage"] == "job_search"
    staff.post(
        f"/cases/{cid}/activities", json={"type": "aptitude_test", "occurred_at": "2021-06-01"}
    )
    assert staff.get(f"/cases/{cid}").json["stage"] == "job_search"


def test_a_worker_may_move_a_case_back_down_the_ladder(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    staff.patch(f"/cases/{cid}", json={"stage": "experience"})
    back = staff.patch(f"/cases/{cid}", json={"stage": "preparation", "stage_reason": "体調不良"})
    assert back.json["stage"] == "preparation"
    assert back.json["stage_history"][-1]["reason"] == "体調不良"


def test_closing_needs_a_reason_and_reopening_returns_to_the_stage_before(
    api: Api, member: Member
) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    staff.patch(f"/cases/{cid}", json={"stage": "experience"})
    assert staff.post(f"/cases/{cid}/close", json={}).status_code == 422
    closed = staff.post(
        f"/cases/{cid}/close", json={"reason": "連絡が途絶えた", "reason_code": "no_contact"}
    )
    assert closed.json["stage"] == "closed"
    assert closed.json["close_reason"] == "連絡が途絶えた"
    assert staff.post(f"/cases/{cid}/close", json={"reason": "x"}).status_code == 409
    assert staff.post(f"/cases/{cid}/contacts", json=contact()).status_code == 409
    assert staff.patch(f"/cases/{cid}", json={"stage": "intake"}).status_code == 409
    reopened = staff.post(f"/cases/{cid}/reopen", json={"reason": "母から再度相談"})
    assert reopened.json["stage"] == "experience"
    assert reopened.json["closed_at"] is None
    assert [s["kind"] for s in reopened.json["stage_history"]][-2:] == ["close", "reopen"]
    assert staff.post(f"/cases/{cid}/reopen", json={"reason": "x"}).status_code == 409


def test_closed_is_reached_only_by_closing(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    response = staff.patch(f"/cases/{cid}", json={"stage": "closed"})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "stage"


def test_search_ignores_width_and_kana_kind(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    yamada = staff.open_case(display_name="山田 太郎", kana="ヤマダ タロウ")["id"]
    staff.open_case(display_name="佐藤 花子", kana="さとう はなこ")
    for q in ("ﾔﾏﾀﾞ", "ヤマダ", "やまだ", "やまだ　たろう", "山田"):
        found = staff.get("/cases", query_string={"q": q}).json["items"]
        assert [c["id"] for c in found] == [yamada], q
    assert (
        staff.get("/cases", query_string={"q": "ｻﾄｳ"}).json["items"][0]["person"]["kana"]
        == "さとう はなこ"
    )
    assert staff.get("/cases", query_string={"q": "%"}).json["items"] == []


def test_lists_filter_by_stage_and_assigned_staff(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    mine = staff.open_case(display_name="A")["id"]
    staff.patch(f"/cases/{mine}", json={"assigned_to": str(member.staff.user_id)})
    other = staff.open_case(display_name="B")["id"]
    staff.patch(f"/cases/{other}", json={"stage": "preparation"})
    assert [c["id"] for c in staff.get("/cases?assigned_to=me").json["items"]] == [mine]
    by_id = staff.get(f"/cases?assigned_to={member.staff.user_id}").json["items"]
    assert [c["id"] for c in by_id] == [mine]
    assert [c["id"] for c in staff.get("/cases?assigned_to=none").json["items"]] == [other]
    assert [c["id"] for c in staff.get("/cases?stage=preparation").json["items"]] == [other]
    assert staff.get("/cases?stage=nonsense").status_code == 422


def test_a_case_is_assigned_only_to_someone_of_the_org(
    api: Api, member: Member, other: Member
) -> None:
    staff = api.as_(member.staff)
    api.as_(member.admin).get("/cases")  # the admin has used the service: assignable
    cid = staff.open_case()["id"]
    ok = staff.patch(f"/cases/{cid}", json={"assigned_to": str(member.admin.user_id)})
    assert ok.json["assigned_to"] == str(member.admin.user_id)
    api.as_(other.staff).get("/cases")
    refused = staff.patch(f"/cases/{cid}", json={"assigned_to": str(other.staff.user_id)})
    assert refused.status_code == 422
    names = {p["name"] for p in staff.get("/cases/assignees").json["items"]}
    assert names == {member.staff.name, member.admin.name}


def test_lists_are_paginated_with_a_cursor(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    opened = {staff.open_case(display_name=f"P{i}")["id"] for i in range(5)}
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = staff.get("/cases", query_string=query).json
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(opened)
    assert staff.get("/cases?limit=201").status_code == 422
    assert staff.get("/cases?cursor=garbage").status_code == 422


def test_lists_show_no_contact_details_or_notes(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case(phone="099-000-0000", address="鹿児島市")["id"]
    staff.post(f"/cases/{cid}/notes", json={"category": "illness", "body": "うつ病の診断"})
    item = staff.get("/cases").json["items"][0]
    assert "phone" not in item["person"]
    assert "address" not in item["person"]
    assert "うつ病" not in str(item)


def test_volunteers_see_only_the_cases_they_opened(api: Api, member: Member) -> None:
    staffs = api.as_(member.staff).open_case(display_name="職員のケース")["id"]
    volunteer = api.as_(member.volunteer)
    own = volunteer.open_case(display_name="ボランティアのケース")["id"]
    assert [c["id"] for c in volunteer.get("/cases").json["items"]] == [own]
    assert volunteer.get(f"/cases/{staffs}").status_code == 404
    assert volunteer.post(f"/cases/{staffs}/contacts", json=contact()).status_code == 404
    assert volunteer.post(f"/cases/{own}/contacts", json=contact()).status_code == 201


def test_viewers_read_but_do_not_write(api: Api, member: Member) -> None:
    cid = api.as_(member.staff).open_case()["id"]
    viewer = api.as_(member.viewer)
    assert viewer.get(f"/cases/{cid}").status_code == 200
    assert viewer.post(f"/cases/{cid}/contacts", json=contact()).status_code == 403
    assert viewer.post("/cases", json={"person": {"display_name": "x"}}).status_code == 403


def test_platform_admins_see_no_case(api: Api, member: Member) -> None:
    from common.testing.principals import make_principal

    cid = api.as_(member.staff).open_case()["id"]
    admin = api.as_(make_principal(role="platform_admin"))
    assert admin.get(f"/cases/{cid}").status_code in (403, 404)


def test_a_suspended_members_people_are_refused(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    from services.cases.models import OrgDirectoryEntry

    with sessions() as session:
        entry = session.get(OrgDirectoryEntry, member.org_id)
        assert entry is not None
        entry.status = "suspended"
        session.commit()
    assert api.as_(member.staff).get("/cases").status_code == 401


def test_opening_a_case_announces_it_with_the_person_key(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    case = api.as_(member.staff).open_case(birth_year=1980, first_contact=contact())
    opened = outbox(sessions, "case.opened")[-1]
    assert opened["data"]["person_key"] == case["person_key"]
    assert opened["data"]["origin_referral_id"] is None
    assert opened["org_id"] == str(member.org_id)
    assert opened["consortium_id"] == str(member.consortium_id)
    logged = outbox(sessions, "contact.logged")[-1]
    assert logged["data"]["by"] == "family"
    assert logged["data"]["fiscal_year"] == 2021
