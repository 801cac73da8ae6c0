"""Frozen snapshots: a submitted report stays as submitted; corrections show as a diff."""

from __future__ import annotations

import io
import uuid

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from common.testing.principals import Tenant, auth_header, make_principal
from tests.service.reports.factories import Person, jst, org_registered
from tests.service.reports.helpers import feed


@pytest.fixture
def npo(sessions: sessionmaker[Session]) -> Tenant:
    npo = Tenant.new("npo")
    people = [Person(npo) for _ in range(12)]
    feed(
        sessions,
        [org_registered(npo, "NPO")]
        + [p.contact(jst(2020, 6, 1 + i)) for i, p in enumerate(people)]
        + [p.outcome(jst(2020, 9, 1), "job_search_started") for p in people[:6]],
    )
    return npo


def _freeze(client: FlaskClient, admin: object, note: str = "提出版") -> dict:
    response = client.post(
        "/reports/snapshots",
        json={"fiscal_year": 2020, "note": note},
        headers=auth_header(admin),
    )
    assert response.status_code == 201, response.json
    return response.json


def test_a_correction_after_freezing_shows_as_a_difference_and_leaves_the_snapshot_alone(
    sessions: sessionmaker[Session], client: FlaskClient, npo: Tenant
) -> None:
    admin = make_principal(npo, role="org_admin")
    client.put(
        "/reports/targets",
        json={"fiscal_year": 2020, "targets": {"consulted_persons": 10}},
        headers=auth_header(admin),
    )
    frozen = _freeze(client, admin)
    assert frozen["version"] == 1
    assert frozen["changed"] is False
    assert frozen["changes"] == []
    # A contact from March, logged late, and a changed target.
    feed(sessions, [Person(npo).contact(jst(2021, 3, 20))])
    client.put(
        "/reports/targets",
        json={"fiscal_year": 2020, "targets": {"consulted_persons": 11}},
        headers=auth_header(admin),
    )

    staff = make_principal(npo, role="staff")
    seen = client.get(f"/reports/snapshots/{frozen['id']}", headers=auth_header(staff)).json
    rows = {r["kpi"]: r for r in seen["report"]["rows"]}
    assert (rows["consulted_persons"]["actual"], rows["consulted_persons"]["target"]) == (12, 10)
    assert seen["changed"] is True
    changes = {(c["kpi"], c["field"]): c for c in seen["changes"]}
    actual = changes[("consulted_persons", "actual")]
    assert (actual["frozen"], actual["current"], actual["delta"]) == (12, 13, 1)
    assert changes[("consulted_persons", "target")]["delta"] == 1
    assert changes[("contacts_total", "actual")]["delta"] == 1
    assert ("job_search_persons", "actual") not in changes

    report = client.get("/reports/kpi?fiscal_year=2020", headers=auth_header(staff)).json
    assert report["snapshot"]["version"] == 1
    assert report["snapshot"]["changed"] is True

    again = _freeze(client, admin, "訂正版")
    assert (again["version"], again["changed"]) == (2, False)
    listed = client.get("/reports/snapshots?fiscal_year=2020", headers=auth_header(staff)).json
    assert [s["version"] for s in listed["items"]] == [2, 1]
    assert [s["note"] for s in listed["items"]] == ["訂正版", "提出版"]


def test_a_frozen_snapshot_cannot_be_changed_even_in_the_database(
    client: FlaskClient, session: Session, npo: Tenant
) -> None:
    frozen = _freeze(client, make_principal(npo, role="org_admin"))
    with pytest.raises(DatabaseError):
        session.execute(sa.text("UPDATE report_snapshots SET content = '{}' WHERE version = 1"))
    session.rollback()
    with pytest.raises(DatabaseError):
        session.execute(sa.text("DELETE FROM report_snapshots"))
    session.rollback()
    assert frozen["version"] == 1


def test_the_frozen_version_exports_as_it_was_submitted(
    sessions: sessionmaker[Session], client: FlaskClient, npo: Tenant
) -> None:
    admin = make_principal(npo, role="org_admin")
    frozen = _freeze(client, admin)
    feed(sessions, [Person(npo).contact(jst(2020, 12, 1))])
    response = client.get(
        f"/reports/kpi.xlsx?fiscal_year=2020&snapshot_id={frozen['id']}",
        headers=auth_header(admin),
    )
    assert response.status_code == 200
    assert "_v1.xlsx" in response.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.data))["KPI"]
    assert ws["C6"].value == 12
    assert "v1" in ws["A3"].value
    current = load_workbook(
        io.BytesIO(
            client.get("/reports/kpi.xlsx?fiscal_year=2020", headers=auth_header(admin)).data
        )
    )["KPI"]
    assert current["C6"].value == 13


def test_staff_may_not_freeze_and_others_snapshots_are_not_found(
    client: FlaskClient, npo: Tenant
) -> None:
    staff = make_principal(npo, role="staff")
    response = client.post(
        "/reports/snapshots", json={"fiscal_year": 2020}, headers=auth_header(staff)
    )
    assert response.status_code == 403
    frozen = _freeze(client, make_principal(npo, role="org_admin"))
    stranger = make_principal(Tenant.new("npo", consortium_id=npo.consortium_id), role="org_admin")
    for path in (
        f"/reports/snapshots/{frozen['id']}",
        f"/reports/snapshots/{uuid.uuid4()}",
        f"/reports/kpi.csv?fiscal_year=2020&snapshot_id={frozen['id']}",
    ):
        assert client.get(path, headers=auth_header(stranger)).status_code == 404
