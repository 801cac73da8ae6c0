"""Every read and change of person-level data writes an audit entry; org admins read
their own org's log and nothing else."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from services.cases.models import AuditEntry
from tests.service.cases.support import Api, Member, audit_count, contact


def test_reading_a_case_writes_an_audit_row(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    before = audit_count(sessions, member.org_id, action="case.read", resource_id=cid)
    assert staff.get(f"/cases/{cid}").status_code == 200
    assert audit_count(sessions, member.org_id, action="case.read", resource_id=cid) == before + 1
    with sessions() as session:
        entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "case.read")).one()
        assert entry.actor_id == member.staff.user_id
        assert entry.actor_org_id == member.org_id
        assert entry.request_id


def test_changes_and_lists_are_audited_too(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    staff.post(f"/cases/{cid}/contacts", json=contact())
    staff.patch(f"/cases/{cid}", json={"person": {"kana": "カナ"}})
    staff.get("/cases?q=山田")
    with sessions() as session:
        actions = set(session.scalars(sa.select(AuditEntry.action)))
        details = session.scalars(
            sa.select(AuditEntry.details).where(AuditEntry.action == "case.list")
        ).one()
    assert {"case.open", "contact.create", "case.update", "case.list"} <= actions
    assert "山田" not in (details or "")


def test_org_admins_read_their_own_log_and_no_other(
    api: Api, member: Member, other: Member
) -> None:
    cid = api.as_(member.staff).open_case()["id"]
    api.as_(member.staff).get(f"/cases/{cid}")
    api.as_(other.staff).open_case()
    log = api.as_(member.admin).get("/audit", query_string={"resource_id": cid}).json
    assert {e["action"] for e in log["items"]} >= {"case.open", "case.read"}
    assert all(e["org_id"] == str(member.org_id) for e in log["items"])
    everything = api.as_(member.admin).get("/audit?limit=200").json["items"]
    assert all(e["org_id"] == str(member.org_id) for e in everything)
    assert api.as_(member.staff).get("/audit").status_code == 403


def test_the_log_pages_with_a_cursor_and_exports_as_csv(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    for _ in range(3):
        staff.get(f"/cases/{cid}")
    admin = api.as_(member.admin)
    first = admin.get("/audit?limit=2").json
    assert len(first["items"]) == 2
    second = admin.get("/audit", query_string={"limit": 2, "cursor": first["next_cursor"]}).json
    assert {e["id"] for e in first["items"]}.isdisjoint({e["id"] for e in second["items"]})
    exported = admin.get("/audit?format=csv")
    assert exported.mimetype == "text/csv"
    lines = exported.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("occurred_at,actor_id")
    assert sum("case.read" in line for line in lines) == 3


def test_the_audit_log_cannot_be_changed(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    import pytest

    api.as_(member.staff).open_case()
    with sessions() as session, pytest.raises(sa.exc.DBAPIError):
        session.execute(sa.update(AuditEntry).values(action="tampered"))
