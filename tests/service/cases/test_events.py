"""Events carry the JST fiscal year and no names, summaries or contact details."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.service.cases.support import Api, Member, contact, outbox


@pytest.mark.parametrize(
    ("occurred_at", "fiscal_year"),
    [
        ("2021-04-01T00:10:00+09:00", 2021),  # still 31 March in UTC
        ("2021-03-31T23:30:00+09:00", 2020),
        ("2021-03-31T15:10:00Z", 2021),  # = 00:10 on 1 April JST
        ("2021-04-01", 2021),  # a date alone is that day in JST
        ("2021-04-01T00:10:00", 2021),  # no offset: the users' wall clock, JST
    ],
)
def test_fiscal_years_in_events_follow_the_jst_date(
    api: Api, member: Member, sessions: sessionmaker[Session], occurred_at: str, fiscal_year: int
) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    staff.post(f"/cases/{cid}/contacts", json=contact(occurred_at=occurred_at))
    staff.post(
        f"/cases/{cid}/outcomes", json={"type": "job_search_started", "occurred_at": occurred_at}
    )
    staff.post(f"/cases/{cid}/activities", json={"type": "seminar", "occurred_at": occurred_at})
    for kind in ("contact.logged", "outcome.recorded", "activity.recorded"):
        assert outbox(sessions, kind)[-1]["data"]["fiscal_year"] == fiscal_year, kind


def test_events_carry_no_names_summaries_or_contact_details(
    api: Api, member: Member, other: Member, sessions: sessionmaker[Session]
) -> None:
    staff = api.as_(member.staff)
    case = staff.open_case(
        display_name="秘密 太郎",
        kana="ヒミツ",
        phone="090-1111-2222",
        email="t@example.jp",
        address="鹿児島市秘密町",
        municipality="霧島市",
        first_contact=contact(summary="秘密の相談内容"),
    )
    cid = case["id"]
    staff.post(
        f"/cases/{cid}/activities",
        json={
            "type": "work_experience",
            "occurred_at": "2021-06-01",
            "place": "秘密農園",
            "note": "秘密メモ",
        },
    )
    staff.post(
        f"/cases/{cid}/outcomes",
        json={
            "type": "path_decided",
            "path": "employment_regular",
            "employer": "秘密商事",
            "occurred_at": "2021-07-01",
        },
    )
    staff.post(f"/cases/{cid}/notes", json={"category": "illness", "body": "秘密の病歴"})
    consent = staff.post(
        f"/cases/{cid}/consents",
        json={
            "to_org_ids": [str(other.org_id)],
            "categories": ["identity"],
            "method": "written",
            "given_by": "self",
            "obtained_at": "2021-06-01",
            "note": "秘密の経緯",
        },
    ).json
    staff.post(f"/consents/{consent['id']}/withdraw", json={"reason": "秘密の理由"})
    staff.post(f"/cases/{cid}/close", json={"reason": "秘密の終結理由"})
    staff.post(f"/cases/{cid}/reopen", json={"reason": "秘密の再開理由"})
    bodies = outbox(sessions)
    assert {e["type"] for e in bodies} >= {
        "case.opened",
        "contact.logged",
        "activity.recorded",
        "outcome.recorded",
        "consent.recorded",
        "consent.withdrawn",
        "case.closed",
        "case.reopened",
        "case.stage_changed",
    }
    text = json.dumps(bodies, ensure_ascii=False)
    for secret in ("秘密", "ヒミツ", "090-1111", "example.jp", "霧島"):
        assert secret not in text
    assert all(e["data"].get("person_key") == case["person_key"] for e in bodies)
