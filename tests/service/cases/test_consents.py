"""Consents per receiver and category, withdrawal, the consent ladder and the packet."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tests.service.cases.support import Api, Member, contact, outbox


def consent(to: Member, **overrides: Any) -> dict[str, Any]:
    return {
        "to_org_ids": [str(to.org_id)],
        "categories": ["identity", "history"],
        "method": "written",
        "given_by": "self",
        "obtained_at": "2021-06-01",
    } | overrides


def test_a_consent_is_recorded_and_withdrawn(
    api: Api, member: Member, other: Member, sessions: sessionmaker[Session]
) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    created = staff.post(f"/cases/{cid}/consents", json=consent(other))
    assert created.status_code == 201, created.json
    assert created.json["status"] == "active"
    assert staff.get(f"/cases/{cid}/consents").json["items"][0]["id"] == created.json["id"]
    withdrawn = staff.post(
        f"/consents/{created.json['id']}/withdraw", json={"reason": "本人の意向"}
    )
    assert withdrawn.json["status"] == "withdrawn"
    assert staff.post(f"/consents/{created.json['id']}/withdraw", json={}).status_code == 409
    recorded = outbox(sessions, "consent.recorded")[-1]["data"]
    assert recorded["to_org_ids"] == [str(other.org_id)]
    assert recorded["categories"] == ["identity", "history"]
    assert outbox(sessions, "consent.withdrawn")[-1]["data"]["consent_id"] == created.json["id"]


def test_the_hikikomori_consent_ladder_is_climbed(api: Api, member: Member, other: Member) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case(
        display_name="匿名（LINE）", anonymous=True, first_contact=contact(channel="line")
    )["id"]
    rung = lambda: staff.get(f"/cases/{cid}").json["consent_ladder"]["rung"]  # noqa: E731
    assert rung() == "family_anonymous"
    staff.patch(f"/cases/{cid}", json={"person": {"display_name": "鈴木 一郎", "anonymous": False}})
    assert rung() == "family_named"
    staff.post(
        f"/cases/{cid}/contacts", json=contact(by="self", relationship=None, channel="home_visit")
    )
    assert rung() == "person_reached"
    mothers_word = consent(other, given_by="family", given_by_relationship="mother")
    assert staff.post(f"/cases/{cid}/consents", json=mothers_word).status_code == 201
    assert rung() == "person_reached"  # a family member's consent is not the person's own
    staff.post(f"/cases/{cid}/consents", json=consent(other))
    page = staff.get(f"/cases/{cid}").json
    assert page["consent_ladder"]["rung"] == "person_consented"
    assert all(r["reached"] for r in page["consent_ladder"]["rungs"])


def test_the_packet_carries_only_the_chosen_categories(
    api: Api, member: Member, other: Member
) -> None:
    staff = api.as_(member.staff)
    case = staff.open_case(
        display_name="田中 一郎",
        kana="たなか",
        birth_year=1982,
        gender="male",
        phone="090-0000-0000",
        first_contact=contact(),
    )
    cid = case["id"]
    staff.post(f"/cases/{cid}/notes", json={"category": "disability", "body": "発達障害の診断"})
    given = staff.post(f"/cases/{cid}/consents", json=consent(other)).json
    answer = staff.get(
        f"/cases/{cid}/packet",
        query_string={"to_org_id": str(other.org_id), "categories": "identity,history"},
    ).json
    assert answer["case_id"] == cid
    assert answer["person_key"] == case["person_key"]
    packet = answer["packet"]
    assert packet["categories"] == ["identity", "history"]
    assert packet["person"]["display_name"] == "田中 一郎"
    assert packet["person"]["age_band"] in ("30s", "40s")
    assert len(packet["history"]["contacts"]) == 1
    assert "contact" not in packet
    assert "sensitive" not in packet
    assert "発達障害" not in str(packet)
    assert answer["consent"]["id"] == given["id"]
    assert answer["consent"]["covers"] is True


def test_the_packet_reports_a_consent_that_does_not_cover_the_request(
    api: Api, member: Member, other: Member
) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    given = staff.post(f"/cases/{cid}/consents", json=consent(other, categories=["identity"])).json
    query = {"to_org_id": str(other.org_id), "categories": "identity,contact"}
    assert staff.get(f"/cases/{cid}/packet", query_string=query).json["consent"] is None
    explicit = staff.get(
        f"/cases/{cid}/packet", query_string=query | {"consent_id": given["id"]}
    ).json
    assert explicit["consent"]["covers"] is False
    staff.post(f"/consents/{given['id']}/withdraw", json={})
    narrow = {"to_org_id": str(other.org_id), "categories": "identity", "consent_id": given["id"]}
    withdrawn = staff.get(f"/cases/{cid}/packet", query_string=narrow).json["consent"]
    assert (withdrawn["status"], withdrawn["covers"]) == ("withdrawn", False)


def test_an_anonymous_packet_identifies_no_one(api: Api, member: Member, other: Member) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case(
        display_name="田中", birth_year=1975, gender="female", first_contact=contact()
    )["id"]
    packet = staff.get(
        f"/cases/{cid}/packet",
        query_string={
            "to_org_id": str(other.org_id),
            "anonymous": "true",
            "categories": "identity",
        },
    ).json["packet"]
    assert packet == {
        "categories": [],
        "anonymous": True,
        "person": {"age_band": packet["person"]["age_band"], "gender": "female"},
    }


def test_sensitive_information_is_packed_only_by_roles_that_may_read_it(
    api: Api, member: Member, other: Member
) -> None:
    volunteer = api.as_(member.volunteer)
    cid = volunteer.open_case()["id"]
    query = {"to_org_id": str(other.org_id), "categories": "identity,sensitive"}
    assert volunteer.get(f"/cases/{cid}/packet", query_string=query).status_code == 403
    staff_case = api.as_(member.staff).open_case()["id"]
    api.as_(member.staff).post(
        f"/cases/{staff_case}/notes", json={"category": "illness", "body": "通院"}
    )
    packet = (
        api.as_(member.staff).get(f"/cases/{staff_case}/packet", query_string=query).json["packet"]
    )
    assert packet["sensitive"]["notes"][0]["body"] == "通院"


def test_the_packet_read_is_audited_with_its_purpose(
    api: Api, member: Member, other: Member
) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    staff.get(
        f"/cases/{cid}/packet",
        query_string={
            "to_org_id": str(other.org_id),
            "categories": "identity",
            "purpose": "referral draft",
        },
    )
    log = api.as_(member.admin).get("/audit", query_string={"resource_id": cid}).json["items"]
    entry = next(e for e in log if e["action"] == "case.packet")
    assert entry["purpose"] == "referral draft"
    assert entry["details"]["to_org_id"] == str(other.org_id)


def test_a_packet_goes_to_another_member(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    response = staff.get(f"/cases/{cid}/packet", query_string={"to_org_id": str(member.org_id)})
    assert response.status_code == 422


def test_a_legal_representatives_consent_is_recorded_with_its_basis(
    api: Api, member: Member, other: Member, sessions: sessionmaker[Session]
) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    missing = staff.post(
        f"/cases/{cid}/consents", json=consent(other, given_by="legal_representative")
    )
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json["errors"]] == ["representative_basis"]
    assert outbox(sessions, "consent.recorded") == []
    # "guardian", API.md's older spelling, is recorded as a legal representative.
    body = consent(other, given_by="guardian", representative_basis="guardianship")
    created = staff.post(f"/cases/{cid}/consents", json=body)
    assert created.status_code == 201, created.json
    assert created.json["given_by"] == "legal_representative"
    assert created.json["representative_basis"] == "guardianship"
    recorded = outbox(sessions, "consent.recorded")[-1]["data"]
    assert recorded["given_by"] == "legal_representative"
    assert recorded["representative_basis"] == "guardianship"
    assert staff.get(f"/cases/{cid}").json["consent_ladder"]["rung"] == "person_consented"


def test_a_family_members_consent_is_recorded_but_covers_no_packet(
    api: Api, member: Member, other: Member
) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    body = consent(other, given_by="family", given_by_relationship="mother")
    given = staff.post(f"/cases/{cid}/consents", json=body).json
    assert given["given_by"] == "family"
    answer = staff.get(
        f"/cases/{cid}/packet",
        query_string={
            "to_org_id": str(other.org_id),
            "categories": "identity,history",
            "consent_id": given["id"],
        },
    ).json
    assert answer["consent"]["given_by"] == "family"
    assert answer["consent"]["active"] is True
    assert answer["consent"]["covers"] is False
    # Without a consent named, the family member's is never chosen as covering.
    chosen = staff.get(
        f"/cases/{cid}/packet",
        query_string={"to_org_id": str(other.org_id), "categories": "identity"},
    ).json
    assert chosen["consent"] is None
