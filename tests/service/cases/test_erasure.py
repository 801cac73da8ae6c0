"""Erasure and stop of use (利用停止・消去, APPI art. 35): the org admin erases the person's
identifying and free-text fields; the coded records the counts rest on stay, nothing is
announced (the reports keep their figures), the step is in the person's history and the
audit log, and the case takes no further record."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from tests.service.cases.support import Api, Member, audit_count, contact, outbox, table_counts


def _full_case(api: Api, member: Member, other: Member) -> str:
    staff = api.as_(member.staff)
    cid = str(
        staff.open_case(
            display_name="消去 太郎",
            kana="しょうきょ たろう",
            birth_year=1985,
            phone="090-1111-2222",
            email="taro@example.jp",
            address="甲府市丸の内1-1",
            municipality="甲府市",
            first_contact=contact(
                summary="母より。息子が通院中とのこと。", sensitive_choice="keep"
            ),
        )["id"]
    )
    staff.post(
        f"/cases/{cid}/activities",
        json={
            "type": "workplace_tour",
            "occurred_at": "2021-06-01",
            "place": "甲府の工場",
            "note": "本人は緊張していた",
        },
    )
    staff.post(f"/cases/{cid}/notes", json={"category": "illness", "body": "うつ病の診断"})
    staff.post(
        f"/cases/{cid}/consents",
        json={
            "to_org_ids": [str(other.org_id)],
            "categories": ["identity"],
            "method": "written",
            "given_by": "self",
            "obtained_at": "2021-06-01",
            "note": "面談で説明",
        },
    )
    return cid


def test_the_org_admin_erases_identifying_and_free_text_fields_and_counts_stay(
    api: Api, member: Member, other: Member, sessions: sessionmaker[Session]
) -> None:
    cid = _full_case(api, member, other)
    before = table_counts(sessions)
    events_before = len(outbox(sessions))
    erased = api.as_(member.admin).post(f"/cases/{cid}/erase", json={"reason": "本人の申し出"})
    assert erased.status_code == 200, erased.json
    page = api.as_(member.admin).get(f"/cases/{cid}").json
    assert page["erased_at"]
    person = page["person"]
    assert person["display_name"] == "—"
    for field in ("kana", "birth_year", "phone", "email", "address", "municipality"):
        assert person[field] is None, field
    assert person["age_band"] not in (None, "unknown")  # kept: it identifies no one
    assert page["contacts"][0]["summary"] is None
    assert page["contacts"][0]["channel"] == "phone"  # the coded record stays
    assert page["activities"][0]["place"] is None
    assert page["activities"][0]["note"] is None
    assert page["activities"][0]["type"] == "workplace_tour"
    assert page["consents"][0]["note"] is None
    notes = api.as_(member.admin).get(f"/cases/{cid}/notes").json["items"]
    assert [n["body"] for n in notes] == [""]
    erase_step = page["stage_history"][-1]
    assert (erase_step["kind"], erase_step["reason"]) == ("erase", "本人の申し出")
    after = table_counts(sessions)
    for table in ("cases", "persons", "contacts", "activities", "outcomes", "consents", "notes"):
        assert after[table] == before[table], table
    assert len(outbox(sessions)) == events_before  # nothing for the reports to uncount
    assert audit_count(sessions, member.org_id, action="case.erase") == 1
    found = api.as_(member.staff).get("/cases", query_string={"q": "消去"}).json["items"]
    assert found == []


def test_an_erased_case_takes_no_record_and_is_not_shared(
    api: Api, member: Member, other: Member
) -> None:
    cid = _full_case(api, member, other)
    api.as_(member.admin).post(f"/cases/{cid}/erase", json={"reason": "本人の申し出"})
    staff = api.as_(member.staff)
    for path, body in (
        (f"/cases/{cid}/contacts", contact()),
        (f"/cases/{cid}/notes", {"category": "general", "body": "x"}),
        (f"/cases/{cid}/close", {"reason": "x"}),
    ):
        refused = staff.post(path, json=body)
        assert refused.status_code == 409, path
        assert refused.json["code"] == "case_erased"
    assert staff.patch(f"/cases/{cid}", json={"stage": "preparation"}).status_code == 409
    packet = staff.get(
        f"/cases/{cid}/packet",
        query_string={"to_org_id": str(other.org_id), "categories": "identity"},
    )
    assert packet.status_code == 422
    assert packet.json["errors"][0]["code"] == "case_erased"
    again = api.as_(member.admin).post(f"/cases/{cid}/erase", json={"reason": "再度"})
    assert again.status_code == 409


def test_only_the_org_admin_erases_and_a_reason_is_required(
    api: Api, member: Member, other: Member, sessions: sessionmaker[Session]
) -> None:
    cid = _full_case(api, member, other)
    before = table_counts(sessions)
    assert (
        api.as_(member.staff).post(f"/cases/{cid}/erase", json={"reason": "x"}).status_code == 403
    )
    empty = api.as_(member.admin).post(f"/cases/{cid}/erase", json={"reason": ""})
    assert empty.status_code == 422
    assert empty.json["errors"][0]["field"] == "reason"
    assert api.as_(member.admin).post(f"/cases/{cid}/erase", json={}).status_code == 422
    after = table_counts(sessions)
    assert {t: n for t, n in after.items() if t != "audit_log"} == {
        t: n for t, n in before.items() if t != "audit_log"
    }  # the refusals are audited; nothing else is written
    assert api.as_(member.admin).get(f"/cases/{cid}").json["person"]["display_name"] == "消去 太郎"
