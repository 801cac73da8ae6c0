"""A member joining mid-plan: its figures count from its start (its registration, or the
date the consortium admin sets); the member tables are exact for the consortium admin and
follow the small-cell rule for readers without the consortium's reporting duty."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from common.testing.principals import Tenant, auth_header, make_principal
from services.reports.models import AuditEntry
from services.reports.rebuild import rebuild
from tests.service.reports.factories import Person, jst, org_registered
from tests.service.reports.helpers import feed
from tests.service.reports.scenarios import Consortium


class Plan:
    def __init__(self) -> None:
        consortium = Consortium()
        self.center = consortium.member("prefectural_center")
        self.late = consortium.member("npo")  # joins in year 2 of the plan
        old = [Person(self.center) for _ in range(6)]
        early, autumn, next_year = Person(self.late), Person(self.late), Person(self.late)
        self.events = [
            org_registered(self.center, "センター", at=jst(2019, 4, 1)),
            org_registered(self.late, "やまなしNPO", at=jst(2021, 10, 1)),
            *(p.contact(jst(2020, 5, 1)) for p in old),
            # Imported history from before it joined: not the consortium's to report.
            early.contact(jst(2021, 6, 1)),
            autumn.contact(jst(2021, 11, 15)),
            autumn.contact(jst(2021, 11, 20)),
            next_year.contact(jst(2022, 5, 1)),
        ]


@pytest.fixture
def plan(sessions: sessionmaker[Session], client: FlaskClient) -> Plan:
    plan = Plan()
    feed(sessions, plan.events)
    admin = make_principal(plan.center, role="consortium_admin")
    response = client.put(
        "/reports/targets",
        json={
            "fiscal_year": 2020,
            "scope": "consortium",
            "plan": {"start_fiscal_year": 2020, "years": 3},
        },
        headers=auth_header(admin),
    )
    assert response.status_code == 200, response.json
    return plan


def _members(client: FlaskClient, principal: object, query: str = "fiscal_year=2021") -> dict:
    response = client.get(f"/reports/members?{query}", headers=auth_header(principal))
    assert response.status_code == 200, response.json
    return response.json


def _consulted(member: dict) -> list[object]:
    return [
        None if y["figures"] is None else y["figures"]["consulted_persons"] for y in member["years"]
    ]


def test_a_member_counts_from_its_registration_by_default(client: FlaskClient, plan: Plan) -> None:
    admin = make_principal(plan.center, role="consortium_admin")
    body = _members(client, admin)
    assert [y["fiscal_year"] for y in body["plan"]["fiscal_years"]] == [2020, 2021, 2022]
    members = {m["name"]: m for m in body["members"]}
    late = members["やまなしNPO"]
    assert late["starts_on"] == "2021-10-01"
    assert late["start_set"] is False
    assert [y["status"] for y in late["years"]] == ["before", "partial", "member"]
    # 令和3年度 from 1 October: the autumn person (twice), not the June one.
    assert _consulted(late) == [None, 1, 1]
    assert late["years"][1]["figures"]["contacts_total"] == 2
    # Exact for the consortium admin, small as they are.
    assert body["suppressed"] is False
    assert _consulted(members["センター"]) == [6, 0, 0]


def test_the_consortium_admin_sets_and_clears_the_start(
    client: FlaskClient, plan: Plan, sessions: sessionmaker[Session]
) -> None:
    admin = make_principal(plan.center, role="consortium_admin")
    path = f"/reports/members/{plan.late.org_id}"
    response = client.put(path, json={"starts_on": "2021-11-18"}, headers=auth_header(admin))
    assert response.status_code == 200, response.json
    assert response.json["starts_on"] == "2021-11-18"
    assert response.json["start_set"] is True
    late = {m["name"]: m for m in _members(client, admin)["members"]}["やまなしNPO"]
    assert _consulted(late) == [None, 1, 1]
    assert late["years"][1]["figures"]["contacts_total"] == 1  # only the 20 November one

    # A start in a later year: nothing before it.
    client.put(path, json={"starts_on": "2022-04-01"}, headers=auth_header(admin))
    late = {m["name"]: m for m in _members(client, admin)["members"]}["やまなしNPO"]
    assert [y["status"] for y in late["years"]] == ["before", "before", "member"]

    # The start survives a rebuild (it is not derived from events).
    with sessions() as session:
        rebuild(session)
    late = {m["name"]: m for m in _members(client, admin)["members"]}["やまなしNPO"]
    assert late["starts_on"] == "2022-04-01"

    cleared = client.put(path, json={"starts_on": None}, headers=auth_header(admin))
    assert cleared.json["starts_on"] == "2021-10-01"
    assert cleared.json["start_set"] is False
    with sessions() as session:
        entries = [
            e for e in session.query(AuditEntry).all() if e.action == "report.membership.update"
        ]
    assert len(entries) == 3


def test_readers_without_the_reporting_duty_see_small_cells_hidden(
    client: FlaskClient, plan: Plan
) -> None:
    staff = make_principal(plan.center, role="staff")
    body = _members(client, staff)
    assert body["suppressed"] is True
    assert body["editable"] is False
    members = {m["name"]: m for m in body["members"]}
    assert _consulted(members["やまなしNPO"]) == [None, "<5", "<5"]
    assert _consulted(members["センター"]) == [6, 0, 0]


@pytest.mark.parametrize(
    "body",
    [{"starts_on": "abc"}, {"starts_on": "1999-12-31"}, {}, {"starts_on": "2021-10-01", "x": 1}],
)
def test_a_bad_start_is_422_and_changes_nothing(
    client: FlaskClient, plan: Plan, body: dict
) -> None:
    admin = make_principal(plan.center, role="consortium_admin")
    response = client.put(
        f"/reports/members/{plan.late.org_id}", json=body, headers=auth_header(admin)
    )
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    late = {m["name"]: m for m in _members(client, admin)["members"]}["やまなしNPO"]
    assert late["start_set"] is False


def test_who_may_not(client: FlaskClient, plan: Plan) -> None:
    staff = make_principal(plan.center, role="staff")
    path = f"/reports/members/{plan.late.org_id}"
    body = {"starts_on": "2021-11-01"}
    assert client.put(path, json=body, headers=auth_header(staff)).status_code == 403
    stranger = make_principal(Tenant.new("prefectural_center"), role="consortium_admin")
    assert client.put(path, json=body, headers=auth_header(stranger)).status_code == 404
    admin = make_principal(plan.center, role="consortium_admin")
    unknown = f"/reports/members/{uuid.uuid4()}"
    assert client.put(unknown, json=body, headers=auth_header(admin)).status_code == 404
    other = f"/reports/members?consortium_id={uuid.uuid4()}"
    assert client.get(other, headers=auth_header(admin)).status_code == 404
    assert (
        client.get("/reports/members?fiscal_year=x", headers=auth_header(admin)).status_code == 422
    )
    npo_staff = make_principal(plan.late, role="staff")
    assert client.get("/reports/members", headers=auth_header(npo_staff)).status_code == 403


def test_member_tables_as_csv_and_xlsx(client: FlaskClient, plan: Plan) -> None:
    admin = make_principal(plan.center, role="consortium_admin")
    response = client.get("/reports/members.csv?fiscal_year=2021", headers=auth_header(admin))
    assert response.status_code == 200
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["年度", "団体", "加入日", "区分", "相談窓口（家族による相談含む）人数"]
    late = [r for r in rows if r[1] == "やまなしNPO"]
    assert [(r[0], r[3], r[4]) for r in late] == [
        ("令和2年度", "加入前", ""),
        ("令和3年度", "年度途中から", "1"),
        ("令和4年度", "通年", "1"),
    ]
    book = client.get("/reports/members.xlsx?fiscal_year=2021", headers=auth_header(admin))
    sheet = load_workbook(io.BytesIO(book.data)).active
    assert sheet is not None
    assert sheet.title == "団体別"
    assert sheet.max_row == 1 + 3 * 2
