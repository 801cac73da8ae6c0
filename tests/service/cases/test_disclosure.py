"""Disclosure (開示, APPI art. 33): the org admin gets everything held of the person, with
every provision record of art. 33(5) from the referrals service; others may not."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session, sessionmaker

from common.errors import Unavailable
from tests.service.cases.support import Api, FakeProvisions, Member, audit_count, contact


def _record(direction: str, name: str, **extra: object) -> dict[str, object]:
    return {
        "direction": direction,
        "at": "2026-06-01T01:00:00+00:00",
        "counterparty": {
            "id": str(uuid.uuid4()),
            "name": name,
            "address": "山梨県甲府市丸の内",
            "representative": "理事長 山梨 花子",
        },
        "categories": ["attributes", "identity"],
        "basis": "consent",
        "consent_given_by": "self",
        "obtained_how": "consultation",
        "retain_until": "2029-06-01",
    } | extra


def test_the_disclosure_lists_everything_held_and_every_provision(
    api: Api,
    member: Member,
    other: Member,
    provisions: FakeProvisions,
    sessions: sessionmaker[Session],
) -> None:
    staff = api.as_(member.staff)
    case = staff.open_case(display_name="開示 太郎", phone="090-0000-0000", first_contact=contact())
    cid = case["id"]
    staff.post(
        f"/cases/{cid}/activities",
        json={"type": "workplace_tour", "occurred_at": "2021-06-01", "accompanied": True},
    )
    staff.post(f"/cases/{cid}/notes", json={"category": "illness", "body": "通院中"})
    staff.post(
        f"/cases/{cid}/consents",
        json={
            "to_org_ids": [str(other.org_id)],
            "categories": ["identity"],
            "method": "written",
            "given_by": "self",
            "obtained_at": "2021-06-01",
        },
    )
    person_key = uuid.UUID(case["person_key"])
    provisions.records[person_key] = [
        _record("provided", "やまなし若者サポートステーション"),
        _record(
            "received",
            "NPO法人 ひだまり",
            basis="support_meeting",
            consent_given_by=None,
            support_meeting={"law": "seikatsu_konkyu_9", "constituted_by": "甲府市"},
        ),
    ]
    answer = api.as_(member.admin).get(f"/cases/{cid}/disclosure")
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["person"]["display_name"] == "開示 太郎"
    assert body["person"]["phone"] == "090-0000-0000"
    assert len(body["contacts"]) == 1
    assert body["contacts"][0]["summary"] == contact()["summary"]
    assert [a["type"] for a in body["activities"]] == ["workplace_tour"]
    assert [n["body"] for n in body["notes"]] == ["通院中"]  # the person's own, sensitive too
    assert [c["given_by"] for c in body["consents"]] == ["self"]
    assert [(p["direction"], p["counterpart"]["name"]) for p in body["provisions"]] == [
        ("sent", "やまなし若者サポートステーション"),
        ("received", "NPO法人 ひだまり"),
    ]
    sent = body["provisions"][0]
    assert sent["counterpart"] == {
        "name": "やまなし若者サポートステーション",
        "address": "山梨県甲府市丸の内",
        "representative": "理事長 山梨 花子",
    }
    assert (sent["basis"], sent["categories"], sent["at"]) == (
        "consent",
        ["attributes", "identity"],
        "2026-06-01T01:00:00+00:00",
    )
    assert body["provisions"][1]["support_meeting"]["constituted_by"] == "甲府市"
    assert provisions.asked[-1][1] == person_key
    assert provisions.asked[-1][0]  # asked with the admin's own token
    assert audit_count(sessions, member.org_id, action="case.disclosure") == 1


def test_only_the_org_admin_prepares_a_disclosure(
    api: Api, member: Member, provisions: FakeProvisions
) -> None:
    cid = api.as_(member.staff).open_case()["id"]
    for principal in (member.staff, member.viewer):
        assert api.as_(principal).get(f"/cases/{cid}/disclosure").status_code == 403
    assert provisions.asked == []


def test_a_disclosure_is_never_given_without_its_provision_records(
    api: Api, member: Member, provisions: FakeProvisions
) -> None:
    cid = api.as_(member.staff).open_case()["id"]

    def down(token: str, person_key: uuid.UUID) -> list[dict[str, object]]:
        raise Unavailable("The provision records cannot be reached; try again")

    provisions.for_person = down  # type: ignore[method-assign]
    answer = api.as_(member.admin).get(f"/cases/{cid}/disclosure")
    assert answer.status_code == 503
    assert answer.mimetype == "application/problem+json"
