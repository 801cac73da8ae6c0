"""The 要配慮 dictionary on consultation summaries: a summary that mentions a diagnosis is
refused until the writer chooses — move it to a sensitive note, or keep it marked
sensitive — and a kept one is shown only to roles with sensitive-read and leaves the org
only under a consent naming ``sensitive``."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from tests.service.cases.support import Api, Member, contact, table_counts

DIAGNOSIS = "本人がｳﾂ病と診断され、通院中とのこと。"


def test_a_flagged_summary_is_refused_until_the_writer_chooses(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    before = table_counts(sessions)
    refused = staff.post(f"/cases/{cid}/contacts", json=contact(summary=DIAGNOSIS))
    assert refused.status_code == 422
    [error] = refused.json["errors"]
    assert (error["field"], error["code"]) == ("summary", "sensitive_terms")
    assert "うつ病" in error["message"]
    assert "通院" in error["message"]
    after = table_counts(sessions)
    assert {t: n for t, n in after.items() if t != "audit_log"} == {
        t: n for t, n in before.items() if t != "audit_log"
    }
    plain = staff.post(f"/cases/{cid}/contacts", json=contact(summary="母より。元気にしている。"))
    assert plain.status_code == 201


def test_moving_the_text_makes_it_a_sensitive_note(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    moved = staff.post(
        f"/cases/{cid}/contacts", json=contact(summary=DIAGNOSIS, sensitive_choice="note")
    )
    assert moved.status_code == 201, moved.json
    assert moved.json["summary"] is None
    notes = staff.get(f"/cases/{cid}/notes").json["items"]
    assert [(n["category"], n["sensitive"], n["body"]) for n in notes] == [
        ("other_sensitive", True, DIAGNOSIS)
    ]
    viewer_notes = api.as_(member.viewer).get(f"/cases/{cid}/notes").json["items"]
    assert all(n.get("body") != DIAGNOSIS for n in viewer_notes)


def test_a_kept_summary_is_hidden_from_a_viewer_and_not_shared_without_sensitive(
    api: Api, member: Member, other: Member
) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    kept = staff.post(
        f"/cases/{cid}/contacts", json=contact(summary=DIAGNOSIS, sensitive_choice="keep")
    )
    assert kept.status_code == 201
    assert kept.json["summary"] == DIAGNOSIS
    assert staff.get(f"/cases/{cid}").json["contacts"][0]["summary"] == DIAGNOSIS
    for principal in (member.viewer,):
        seen = api.as_(principal).get(f"/cases/{cid}").json["contacts"][0]
        assert seen["summary"] is None
        assert seen["summary_hidden"] is True
        timeline = api.as_(principal).get(f"/cases/{cid}/timeline").json["items"]
        assert all(i["item"].get("summary") != DIAGNOSIS for i in timeline)
    query = {"to_org_id": str(other.org_id), "categories": "identity,history"}
    packet = staff.get(f"/cases/{cid}/packet", query_string=query).json["packet"]
    assert DIAGNOSIS not in str(packet)
    query["categories"] = "identity,history,sensitive"
    packet = staff.get(f"/cases/{cid}/packet", query_string=query).json["packet"]
    assert DIAGNOSIS in str(packet)


def test_the_org_admin_adds_terms_to_the_dictionary(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    summary = "生活保護の申請について相談"
    assert staff.post(f"/cases/{cid}/contacts", json=contact(summary=summary)).status_code == 201
    assert (
        staff.request("PUT", "/cases/sensitive-terms", json={"terms": ["生活保護"]}).status_code
        == 403
    )
    admin = api.as_(member.admin)
    bad = admin.request("PUT", "/cases/sensitive-terms", json={"terms": ["x" * 51]})
    assert bad.status_code == 422
    done = admin.request("PUT", "/cases/sensitive-terms", json={"terms": ["生活保護"]})
    assert done.status_code == 200, done.json
    assert done.json["terms"] == ["生活保護"]
    assert "診断" in done.json["defaults"]
    refused = staff.post(f"/cases/{cid}/contacts", json=contact(summary=summary))
    assert refused.status_code == 422
    assert staff.get("/cases/sensitive-terms").json["terms"] == ["生活保護"]
