"""Targets per org or consortium, per KPI and year, over a plan period."""

from __future__ import annotations

from flask.testing import FlaskClient

from common.testing.principals import Tenant, auth_header, make_principal


def _put(client: FlaskClient, principal: object, **body: object) -> dict:
    response = client.put("/reports/targets", json=body, headers=auth_header(principal))
    assert response.status_code == 200, response.json
    return response.json


def test_the_org_admin_sets_targets_and_every_reader_sees_them(client: FlaskClient) -> None:
    npo = Tenant.new("npo")
    admin = make_principal(npo, role="org_admin")
    view = _put(
        client,
        admin,
        fiscal_year=2020,
        targets={"consulted_persons": 30, "job_search_persons": 10, "path_decided_persons": 5},
    )
    assert view["years"][0]["targets"]["consulted_persons"] == 30
    assert view["editable"] is True
    staff = make_principal(npo, role="staff")
    seen = client.get("/reports/targets?fiscal_year=2020", headers=auth_header(staff)).json
    assert seen["years"][0]["label"] == "令和2年度"
    assert seen["years"][0]["targets"] == {
        "consulted_persons": 30,
        "job_search_persons": 10,
        "path_decided_persons": 5,
        "line_friends": None,
        "group_program_persons": None,
        "contacts_total": None,
    }
    assert seen["editable"] is False


def test_null_removes_a_target_and_the_change_is_audited(client: FlaskClient) -> None:
    npo = Tenant.new("npo")
    admin = make_principal(npo, role="org_admin")
    _put(client, admin, fiscal_year=2020, targets={"consulted_persons": 30})
    view = _put(client, admin, fiscal_year=2020, targets={"consulted_persons": None})
    assert view["years"][0]["targets"]["consulted_persons"] is None
    log = client.get("/audit", headers=auth_header(admin)).json["items"]
    changes = [e["details"]["changed"] for e in log if e["action"] == "report.targets.update"]
    assert {"consulted_persons": [30, None]} in changes
    assert {"consulted_persons": [None, 30]} in changes


def test_yamanashi_consortium_targets_add_up_over_the_plan_period(client: FlaskClient) -> None:
    """LINE friends 15 / 100 / 100 (215) and group programme 1 / 8 / 16 (25)."""
    center = Tenant.new("prefectural_center")
    admin = make_principal(center, role="consortium_admin")
    plan = {"start_fiscal_year": 2021, "years": 3}
    for year, line, group in ((2021, 15, 1), (2022, 100, 8), (2023, 100, 16)):
        _put(
            client,
            admin,
            fiscal_year=year,
            scope="consortium",
            targets={"line_friends": line, "group_program_persons": group},
            plan=plan,
        )
    report = client.get(
        "/reports/kpi?fiscal_year=2022&scope=consortium", headers=auth_header(admin)
    ).json
    assert report["plan"]["label"] == "令和3年度〜令和5年度"
    rows = {r["kpi"]: r for r in report["rows"]}
    assert [y["target"] for y in rows["line_friends"]["years"]] == [15, 100, 100]
    assert rows["line_friends"]["cumulative"]["target"] == 215
    assert rows["group_program_persons"]["cumulative"]["target"] == 25
    assert rows["line_friends"]["target"] == 100  # the requested year's own target
    # The year after the plan opens the next plan period.
    later = client.get(
        "/reports/kpi?fiscal_year=2024&scope=consortium", headers=auth_header(admin)
    ).json
    assert later["plan"]["start_fiscal_year"] == 2024


def test_without_a_stored_plan_the_period_starts_at_the_first_targeted_year(
    client: FlaskClient,
) -> None:
    npo = Tenant.new("npo")
    admin = make_principal(npo, role="org_admin")
    _put(client, admin, fiscal_year=2020, targets={"consulted_persons": 30})
    report = client.get("/reports/kpi?fiscal_year=2022", headers=auth_header(admin)).json
    assert [y["fiscal_year"] for y in report["plan"]["fiscal_years"]] == [2020, 2021, 2022]


def test_org_targets_and_consortium_targets_are_separate(client: FlaskClient) -> None:
    center = Tenant.new("prefectural_center")
    _put(
        client,
        make_principal(center, role="org_admin"),
        fiscal_year=2020,
        targets={"consulted_persons": 7},
    )
    admin = make_principal(center, role="consortium_admin")
    _put(client, admin, fiscal_year=2020, scope="consortium", targets={"consulted_persons": 70})
    staff = make_principal(center, role="staff")
    org = client.get("/reports/targets?fiscal_year=2020", headers=auth_header(staff)).json
    consortium = client.get(
        "/reports/targets?fiscal_year=2020&scope=consortium", headers=auth_header(staff)
    ).json
    assert org["years"][0]["targets"]["consulted_persons"] == 7
    assert consortium["years"][0]["targets"]["consulted_persons"] == 70
