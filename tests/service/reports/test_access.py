"""Who may see which report: one's own org or consortium only; 404 for another tenant's,
403 for one's own without the permission; bad input is a 422 that writes nothing."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.testing.principals import Tenant, auth_header, make_principal
from services.reports.models import AuditEntry, Plan, Target
from tests.service.reports.factories import jst, org_registered
from tests.service.reports.helpers import feed


@pytest.fixture
def npo() -> Tenant:
    return Tenant.new("npo")


def test_a_request_without_a_principal_token_is_refused(client: FlaskClient) -> None:
    response = client.get("/reports/kpi")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("role", ["staff", "org_admin", "viewer"])
def test_member_roles_with_report_access_read_their_own_org(
    client: FlaskClient, npo: Tenant, role: str
) -> None:
    principal = make_principal(npo, role=role)
    response = client.get(
        f"/reports/kpi?fiscal_year=2020&org_id={npo.org_id}", headers=auth_header(principal)
    )
    assert response.status_code == 200
    assert response.json["scope_id"] == str(npo.org_id)


@pytest.mark.parametrize(
    "path",
    [
        "/reports/kpi",
        "/reports/kpi.csv",
        "/reports/kpi.xlsx",
        "/reports/funnel",
        "/reports/monthly",
        "/reports/referral-flow",
        "/reports/targets",
        "/reports/charts/targets",
        "/reports/snapshots",
    ],
)
def test_another_orgs_report_is_not_found(client: FlaskClient, npo: Tenant, path: str) -> None:
    other = Tenant.new("npo", consortium_id=npo.consortium_id)
    response = client.get(
        f"{path}?fiscal_year=2020&org_id={other.org_id}", headers=auth_header(make_principal(npo))
    )
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_another_consortiums_report_is_not_found(client: FlaskClient) -> None:
    center = Tenant.new("prefectural_center")
    response = client.get(
        f"/reports/kpi?scope=consortium&consortium_id={uuid.uuid4()}",
        headers=auth_header(make_principal(center)),
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("kind", "role", "scope", "status"),
    [
        ("npo", "staff", "consortium", 403),  # a member's staff: own org only
        ("npo", "org_admin", "consortium", 403),
        ("npo", "volunteer", "org", 403),  # volunteers do not read reports
        ("prefectural_center", "consortium_admin", "org", 403),  # aggregates only
        ("prefectural_center", "consortium_admin", "consortium", 200),
        ("prefectural_center", "staff", "consortium", 200),  # the center sees the consortium
        ("prefectural_center", "staff", "org", 200),
    ],
)
def test_permissions_decide_which_scope_a_role_reads(
    client: FlaskClient, kind: str, role: str, scope: str, status: int
) -> None:
    principal = make_principal(Tenant.new(kind), role=role)
    response = client.get(f"/reports/kpi?scope={scope}", headers=auth_header(principal))
    assert response.status_code == status


def test_the_platform_admin_reads_no_report(client: FlaskClient) -> None:
    admin = make_principal(role="platform_admin")
    for scope in ("org", "consortium"):
        assert (
            client.get(f"/reports/kpi?scope={scope}", headers=auth_header(admin)).status_code == 403
        )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("fiscal_year=abc", "fiscal_year"),
        ("fiscal_year=1999", "fiscal_year"),
        ("scope=x", "scope"),
        ("org_id=not-a-uuid", "org_id"),
        ("lang=fr", "lang"),
    ],
)
def test_bad_report_queries_are_422_problems_with_the_field(
    client: FlaskClient, npo: Tenant, query: str, field: str
) -> None:
    response = client.get(f"/reports/kpi?{query}", headers=auth_header(make_principal(npo)))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in [e["field"] for e in response.json["errors"]]


def _nothing_written(session: Session) -> bool:
    return not (
        session.scalar(sa.select(sa.func.count()).select_from(Target))
        or session.scalar(sa.select(sa.func.count()).select_from(Plan))
        or session.scalar(
            # a refusal is audited (DESIGN §3); nothing else may be
            sa.select(sa.func.count()).where(AuditEntry.outcome != "denied")
        )
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"fiscal_year": 2020, "targets": {"consulted_persons": -1}}, "targets.consulted_persons"),
        (
            {"fiscal_year": 2020, "targets": {"consulted_persons": "30"}},
            "targets.consulted_persons",
        ),
        ({"fiscal_year": 2020, "targets": {"consulted_persons": 2.5}}, "targets.consulted_persons"),
        ({"fiscal_year": 2020, "targets": {"happiness": 3}}, "targets.happiness"),
        ({"fiscal_year": "abc", "targets": {"consulted_persons": 3}}, "fiscal_year"),
        ({"fiscal_year": 2020, "scope": "x", "targets": {"consulted_persons": 3}}, "scope"),
        (
            {"fiscal_year": 2020, "targets": {}, "plan": {"start_fiscal_year": 2020, "years": 0}},
            "plan.years",
        ),
        ({"fiscal_year": 2020, "targets": {}}, "body"),
        ({"fiscal_year": 2020, "targets": {"consulted_persons": 3}, "org_id": "x"}, "org_id"),
    ],
)
def test_bad_targets_are_422_and_nothing_is_written(
    client: FlaskClient, session: Session, npo: Tenant, body: dict, field: str
) -> None:
    admin = make_principal(npo, role="org_admin")
    response = client.put("/reports/targets", json=body, headers=auth_header(admin))
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    fields = [e["field"] for e in response.json["errors"]]
    assert any(f.startswith(field) for f in fields), fields
    assert _nothing_written(session)


@pytest.mark.parametrize(
    ("kind", "role", "scope"),
    [
        ("npo", "staff", "org"),  # staff read, admins manage
        ("npo", "org_admin", "consortium"),
        ("prefectural_center", "consortium_admin", "org"),
        ("prefectural_center", "staff", "consortium"),
    ],
)
def test_roles_that_may_not_manage_targets_are_forbidden_and_nothing_is_written(
    client: FlaskClient, session: Session, kind: str, role: str, scope: str
) -> None:
    principal = make_principal(Tenant.new(kind), role=role)
    response = client.put(
        "/reports/targets",
        json={"fiscal_year": 2020, "scope": scope, "targets": {"consulted_persons": 30}},
        headers=auth_header(principal),
    )
    assert response.status_code == 403
    assert _nothing_written(session)


def test_a_suspended_orgs_people_are_turned_away(
    sessions: sessionmaker[Session], client: FlaskClient, npo: Tenant
) -> None:
    feed(
        sessions,
        [
            org_registered(npo, "NPO"),
            org_registered(
                npo, "NPO", type_="org.suspended", status="suspended", at=jst(2021, 1, 1)
            ),
        ],
    )
    response = client.get("/reports/kpi", headers=auth_header(make_principal(npo)))
    assert response.status_code == 401
    assert response.json["code"] == "org_suspended"
