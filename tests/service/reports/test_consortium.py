"""Consortium views: each person once across members, aggregates only, small cells hidden."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.testing.principals import auth_header, make_principal
from tests.service.reports.factories import Person, jst, org_registered
from tests.service.reports.helpers import feed
from tests.service.reports.scenarios import Consortium, Scenario, mixed_year


@pytest.fixture
def scenario(sessions: sessionmaker[Session]) -> Scenario:
    scenario = mixed_year()
    feed(sessions, scenario.events)
    return scenario


def _rows(report: dict) -> dict[str, dict]:
    return {row["kpi"]: row for row in report["rows"]}


def _consulted(client: FlaskClient, principal: object, scope: str) -> object:
    response = client.get(
        f"/reports/kpi?fiscal_year=2020&scope={scope}", headers=auth_header(principal)
    )
    assert response.status_code == 200, response.json
    return _rows(response.json)["consulted_persons"]["actual"]


def test_a_person_referred_to_another_member_counts_once_for_the_consortium(
    client: FlaskClient, scenario: Scenario
) -> None:
    npo = _consulted(client, make_principal(scenario.npo), "org")
    family = _consulted(client, make_principal(scenario.family), "org")
    center = make_principal(scenario.center, role="staff")
    assert (npo, family, _consulted(client, center, "org")) == (30, 8, 6)
    # The 8 the family association saw were referred by the NPO: the same person keys.
    assert _consulted(client, center, "consortium") == 36


def test_the_consortium_admin_sees_aggregates_with_small_cells_hidden(
    client: FlaskClient, scenario: Scenario
) -> None:
    admin = make_principal(scenario.center, role="consortium_admin")
    response = client.get(
        "/reports/kpi?fiscal_year=2020&scope=consortium", headers=auth_header(admin)
    )
    assert response.status_code == 200
    report = response.json
    assert report["suppressed"] is True
    assert report["small_cell_threshold"] == 5
    line = _rows(report)["line_friends"]
    # 12 new friends; the 3 blocks beside them are a small count, hidden.
    refollows, blocks = line["beside"]
    assert (line["actual"], refollows["actual"], blocks["actual"]) == (12, 0, "<5")
    assert blocks["cumulative"]["actual"] == "<5"
    paths = {p["key"]: p["persons"] for p in _rows(report)["path_decided_persons"]["breakdown"]}
    assert paths["employment_regular"] == 8
    assert paths["welfare"] == 0  # zero points at no one and is shown


def test_a_small_count_hides_its_attainment_in_the_consortium_view_but_not_the_org_view(
    sessions: sessionmaker[Session], client: FlaskClient
) -> None:
    consortium = Consortium()
    npo = consortium.member("npo")
    center = consortium.member("prefectural_center")
    people = [Person(npo) for _ in range(3)]
    feed(
        sessions,
        [org_registered(npo, "NPO"), org_registered(center, "センター")]
        + [p.outcome(jst(2020, 10, 1), "path_decided", "welfare") for p in people],
    )
    admin = make_principal(center, role="consortium_admin")
    client.put(
        "/reports/targets",
        json={"fiscal_year": 2020, "scope": "consortium", "targets": {"path_decided_persons": 2}},
        headers=auth_header(admin),
    )
    shown = _rows(
        client.get(
            "/reports/kpi?fiscal_year=2020&scope=consortium", headers=auth_header(admin)
        ).json
    )["path_decided_persons"]
    assert (shown["target"], shown["actual"], shown["attainment"]) == (2, "<5", None)
    assert shown["cumulative"] == {"target": 2, "actual": "<5", "attainment": None}
    assert shown["years"][0]["actual"] == "<5"
    own = _rows(
        client.get("/reports/kpi?fiscal_year=2020", headers=auth_header(make_principal(npo))).json
    )
    assert own["path_decided_persons"]["actual"] == 3


def test_consortium_exports_hide_small_cells_too(client: FlaskClient, scenario: Scenario) -> None:
    admin = make_principal(scenario.center, role="consortium_admin")
    csv = client.get(
        "/reports/kpi.csv?fiscal_year=2020&scope=consortium", headers=auth_header(admin)
    ).data.decode("utf-8-sig")
    line = next(r for r in csv.splitlines() if ",line_friends," in r)
    assert line.split(",")[3] == "12"
    monthly = client.get(
        "/reports/monthly?fiscal_year=2020&scope=consortium", headers=auth_header(admin)
    ).json
    values = [m["persons"] for row in monthly["rows"] for m in row["months"]]
    assert all(v in (0, "<5", "x") or (isinstance(v, int) and v >= 5) for v in values)
    assert "<5" in values
