"""Retention of closed cases: the org admin's policy (never below the legal floor), the dry
run, and the job that removes exactly what is due — by the runtime's clock — with an audit
entry for each removal and nothing on the queue (the reports keep their counts)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from common.clock import utcnow
from common.testing.clock import MovableClock
from services.cases.operations.retention import run_retention
from tests.service.cases.support import Api, Member, audit_count, contact, outbox, table_counts


def _closed_case(api: Api, member: Member, name: str) -> str:
    staff = api.as_(member.staff)
    cid = staff.open_case(display_name=name, first_contact=contact())["id"]
    closed = staff.post(f"/cases/{cid}/close", json={"reason": "就職が決まった"})
    assert closed.status_code == 200, closed.json
    return str(cid)


def test_the_policy_is_the_org_admins_and_never_below_the_legal_minimum(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    admin = api.as_(member.admin)
    assert admin.get("/cases/retention/policy").json["closed_case_years"] is None
    assert api.as_(member.staff).get("/cases/retention/policy").status_code == 403
    staff_put = api.as_(member.staff).request(
        "PUT", "/cases/retention/policy", json={"closed_case_years": 10}
    )
    assert staff_put.status_code == 403
    before = table_counts(sessions)
    too_short = admin.request("PUT", "/cases/retention/policy", json={"closed_case_years": 3})
    assert too_short.status_code == 422
    assert too_short.mimetype == "application/problem+json"
    assert [(e["field"], e["code"]) for e in too_short.json["errors"]] == [
        ("closed_case_years", "below_legal_minimum")
    ]
    garbage = admin.request("PUT", "/cases/retention/policy", json={"closed_case_years": "ten"})
    assert garbage.status_code == 422
    assert table_counts(sessions) == before
    done = admin.request("PUT", "/cases/retention/policy", json={"closed_case_years": 5})
    assert done.status_code == 200, done.json
    assert done.json["closed_case_years"] == 5
    assert audit_count(sessions, member.org_id, action="retention.policy_set") == 1


def test_the_job_removes_exactly_the_closed_cases_past_the_policy_and_nothing_else(
    api: Api,
    member: Member,
    other: Member,
    sessions: sessionmaker[Session],
    clock: MovableClock,
) -> None:
    admin = api.as_(member.admin)
    due_one = _closed_case(api, member, "期限 一郎")
    due_two = _closed_case(api, member, "期限 二郎")
    reopened = _closed_case(api, member, "再開 三郎")
    api.as_(member.staff).post(f"/cases/{reopened}/reopen", json={"reason": "再び相談"})
    still_open = api.as_(member.staff).open_case(display_name="継続 四郎")["id"]
    others = _closed_case(api, other, "他団体 五郎")  # the other member has no policy
    api.as_(member.staff).post(
        f"/cases/{due_one}/consents",
        json={
            "to_org_ids": [str(other.org_id)],
            "categories": ["identity"],
            "method": "written",
            "given_by": "self",
            "obtained_at": "2021-06-01",
        },
    )
    api.as_(member.staff).post(
        f"/cases/{due_one}/notes", json={"category": "illness", "body": "通院中"}
    )
    assert (
        admin.request("PUT", "/cases/retention/policy", json={"closed_case_years": 5}).status_code
        == 200
    )
    events_before = len(outbox(sessions))

    clock.set(utcnow() + timedelta(days=365 * 5 - 3))  # not yet five years
    assert admin.get("/cases/retention/due").json["items"] == []
    assert run_retention(sessions, clock()).removed == 0

    clock.set(utcnow() + timedelta(days=365 * 5 + 2))
    cases_before = table_counts(sessions)["cases"]
    dry_run = admin.get("/cases/retention/due").json
    assert table_counts(sessions)["cases"] == cases_before  # a dry run removes nothing
    assert sorted(i["case_id"] for i in dry_run["items"]) == sorted([due_one, due_two])
    assert {i["display_name"] for i in dry_run["items"]} == {"期限 一郎", "期限 二郎"}
    before = table_counts(sessions)
    assert run_retention(sessions, clock()).removed == 2
    after = table_counts(sessions)
    assert before["cases"] - after["cases"] == 2
    assert before["persons"] - after["persons"] == 2
    assert before["contacts"] - after["contacts"] == 2
    assert before["consents"] - after["consents"] == 1
    assert before["notes"] - after["notes"] == 1
    for gone in (due_one, due_two):
        assert api.as_(member.staff).get(f"/cases/{gone}").status_code == 404
    for kept in (reopened, still_open):
        assert api.as_(member.staff).get(f"/cases/{kept}").status_code == 200
    assert api.as_(other.staff).get(f"/cases/{others}").status_code == 200
    assert audit_count(sessions, member.org_id, action="case.retention_removed") == 2
    assert audit_count(sessions, other.org_id, action="case.retention_removed") == 0
    # Nothing on the queue: the reports' aggregates are built from the events they hold.
    assert len(outbox(sessions)) == events_before
    assert admin.get("/cases/retention/due").json["items"] == []
    assert run_retention(sessions, clock()).removed == 0


def test_the_dry_run_is_the_org_admins_and_shows_only_their_org(
    api: Api, member: Member, other: Member, clock: MovableClock
) -> None:
    _closed_case(api, member, "期限 一郎")
    api.as_(member.admin).request("PUT", "/cases/retention/policy", json={"closed_case_years": 5})
    api.as_(other.admin).request("PUT", "/cases/retention/policy", json={"closed_case_years": 5})
    clock.set(utcnow() + timedelta(days=365 * 6))
    assert api.as_(member.staff).get("/cases/retention/due").status_code == 403
    assert len(api.as_(member.admin).get("/cases/retention/due").json["items"]) == 1
    assert api.as_(other.admin).get("/cases/retention/due").json["items"] == []
