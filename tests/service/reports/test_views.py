"""The funnel, figures by month, the referral flow between members, and chart data."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.testing.principals import auth_header, make_principal
from tests.service.reports.helpers import feed
from tests.service.reports.scenarios import Scenario, mixed_year


@pytest.fixture
def scenario(sessions: sessionmaker[Session]) -> Scenario:
    scenario = mixed_year()
    feed(sessions, scenario.events)
    return scenario


def test_the_funnel_runs_from_consultation_to_retention_at_six_months(
    client: FlaskClient, scenario: Scenario
) -> None:
    staff = make_principal(scenario.npo)
    funnel = client.get("/reports/funnel?fiscal_year=2020", headers=auth_header(staff)).json
    stages = {s["stage"]: s for s in funnel["stages"]}
    assert [s["stage"] for s in funnel["stages"]] == [
        "consultation",
        "job_search",
        "path_decided",
        "retained_6m",
    ]
    assert [s["persons"] for s in funnel["stages"]] == [30, 15, 8, 8]
    assert stages["job_search"]["rate_from_previous"] == pytest.approx(0.5)
    assert stages["path_decided"]["rate_from_first"] == pytest.approx(8 / 30)
    # A 3-month checkpoint is not retention at 6 months.
    assert stages["retained_6m"]["label"] == "6か月定着"


def test_monthly_figures_add_up_to_the_year(client: FlaskClient, scenario: Scenario) -> None:
    staff = make_principal(scenario.npo)
    monthly = client.get("/reports/monthly?fiscal_year=2020", headers=auth_header(staff)).json
    rows = {r["kpi"]: r for r in monthly["rows"]}
    consulted = rows["consulted_persons"]["months"]
    assert [m["month"] for m in consulted][:2] == ["2020-04", "2020-05"]
    assert consulted[-1]["month"] == "2021-03"
    assert consulted[-1]["label"] == "3月"
    assert sum(m["new_persons"] for m in consulted) == 30
    assert consulted[-1]["cumulative"] == 30
    year = client.get("/reports/kpi?fiscal_year=2020", headers=auth_header(staff)).json
    contacts = {r["kpi"]: r for r in year["rows"]}["contacts_total"]["actual"]
    assert sum(m["actual"] for m in rows["contacts_total"]["months"]) == contacts
    assert rows["contacts_total"]["months"][-1]["cumulative"] == contacts


def test_the_referral_flow_counts_statuses_and_the_median_time_to_acceptance(
    client: FlaskClient, scenario: Scenario
) -> None:
    for tenant in (scenario.npo, scenario.family):  # sender and receiver see the same edge
        flow = client.get(
            "/reports/referral-flow?fiscal_year=2020", headers=auth_header(make_principal(tenant))
        ).json
        (edge,) = flow["edges"]
        assert (edge["from_org_id"], edge["to_org_id"]) == (
            str(scenario.npo.org_id),
            str(scenario.family.org_id),
        )
        assert (edge["from_org_name"], edge["to_org_name"]) == ("NPOサポステ（新名称）", "家族会")
        counts = {k: edge[k] for k in ("sent", "viewed", "accepted", "declined", "completed")}
        assert counts == {"sent": 10, "viewed": 10, "accepted": 8, "declined": 2, "completed": 5}
        # accepted 47, 48 … 54 hours after sending
        assert edge["median_hours_to_acceptance"] == pytest.approx(50.5)
    center = make_principal(scenario.center)
    assert (
        client.get("/reports/referral-flow?fiscal_year=2020", headers=auth_header(center)).json[
            "edges"
        ]
        == []
    )
    consortium = client.get(
        "/reports/referral-flow?fiscal_year=2020&scope=consortium", headers=auth_header(center)
    ).json
    (edge,) = consortium["edges"]
    assert (edge["sent"], edge["accepted"], edge["declined"]) == (10, 8, "<5")
    assert consortium["total"]["completed"] == 5


def test_chart_data_comes_with_a_table_alternative(client: FlaskClient, scenario: Scenario) -> None:
    staff = make_principal(scenario.npo)
    targets = client.get(
        "/reports/charts/targets?fiscal_year=2020", headers=auth_header(staff)
    ).json
    consulted = targets["charts"][0]
    assert consulted["kpi"] == "consulted_persons"
    assert consulted["categories"] == ["令和2年度", "令和3年度", "令和4年度"]
    assert [s["key"] for s in consulted["series"]] == ["target", "actual"]
    assert consulted["table"]["columns"] == ["年度", "目標", "実績", "達成率"]
    assert consulted["table"]["rows"][0][2] == 30
    funnel = client.get("/reports/charts/funnel?fiscal_year=2020", headers=auth_header(staff)).json
    assert funnel["series"][0]["values"] == [30, 15, 8, 8]
    assert len(funnel["table"]["rows"]) == 4
    flow = client.get(
        "/reports/charts/referral-flow?fiscal_year=2020", headers=auth_header(staff)
    ).json
    assert flow["table"]["rows"][0][:4] == ["NPOサポステ（新名称）", "家族会", 10, 8]
    assert client.get("/reports/charts/pie", headers=auth_header(staff)).status_code == 404


def test_the_openapi_document_lists_the_report_endpoints(client: FlaskClient) -> None:
    paths = client.get("/openapi.json").json["paths"]
    for path in (
        "/reports/kpi",
        "/reports/kpi.csv",
        "/reports/kpi.xlsx",
        "/reports/targets",
        "/reports/funnel",
        "/reports/monthly",
        "/reports/referral-flow",
        "/reports/charts/{name}",
        "/reports/snapshots",
        "/reports/snapshots/{snapshot_id}",
        "/audit",
    ):
        assert path in paths
