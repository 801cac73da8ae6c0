"""The seed's table (DESIGN §1): Kagoshima's NPO, 令和2年度, actuals 512 / 69 / 21 against
targets 30 / 10 / 5 — with family-only consultations, repeat contacts, and contacts on
either side of midnight JST at the fiscal-year boundary."""

from __future__ import annotations

import io
import uuid

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from common.messaging.envelope import Event
from common.testing.principals import Tenant, auth_header, make_principal
from tests.service.reports.factories import Person, jst, org_registered
from tests.service.reports.helpers import feed

PATHS = (
    ["employment_regular"] * 10
    + ["employment_nonregular"] * 6
    + ["vocational_training"] * 3
    + ["welfare"] * 2
)


def _day(i: int) -> tuple[int, int, int]:
    """A date in FY2020 (April 2020 – March 2021) spread by ``i``."""
    month = 4 + i % 12
    year, month = (2020, month) if month <= 12 else (2021, month - 12)
    return year, month, 1 + i % 28


def seed_year(npo: Tenant) -> list[Event]:
    """512 persons consulted in FY2020 (112 by family only), 759 contacts, 69 job
    seekers, 21 paths decided — and a few facts just outside the year."""
    events: list[Event] = [org_registered(npo, "かごしま若者サポートステーション", kind="npo")]
    people = [Person(npo) for _ in range(512)]
    for i, p in enumerate(people):
        events.append(p.case_opened(jst(2020, 4, 1)))
        if i < 112:  # consulted only through their family
            events.append(p.contact(jst(*_day(i)), by="family"))
            if i < 30:
                events.append(p.contact(jst(*_day(i + 3)), by="family"))
        elif i < 511:
            first = jst(2020, 4, 1, 0, 10) if i == 112 else jst(*_day(i))  # 2020-03-31 UTC
            events.append(p.contact(first, by="self", channel="visit"))
            if i % 5 == 0:  # repeat contacts
                events += [p.contact(jst(*_day(i + 1))), p.contact(jst(*_day(i + 2)))]
            if i % 7 == 0:  # the family called too
                events.append(p.contact(jst(*_day(i + 4)), by="family"))
        else:  # the last minutes of the fiscal year, in Japan
            events.append(p.contact(jst(2021, 3, 31, 23, 30)))
    # Job search: 68 in the year, one twice, and one at 23:30 on 31 March 2021 (still FY2020);
    # another at 00:10 on 1 April 2021 (FY2021).
    for p in people[112:180]:
        events.append(p.outcome(jst(*_day(7)), "job_search_started"))
    events.append(people[112].outcome(jst(2020, 12, 1), "job_search_started"))
    events.append(people[182].outcome(jst(2021, 3, 31, 23, 30), "job_search_started"))
    events.append(people[181].outcome(jst(2021, 4, 1, 0, 10), "job_search_started"))
    # Paths decided: 21 persons; one of them twice, of another kind.
    for p, path in zip(people[112:133], PATHS, strict=True):
        events.append(p.outcome(jst(2020, 11, 15), "path_decided", path))
    events.append(people[112].outcome(jst(2021, 2, 1), "path_decided", "education"))
    # Outside FY2020: a person consulted at 23:30 on 31 March 2020 and 00:10 on 1 April 2021.
    outsider = Person(npo)
    events += [
        outsider.contact(jst(2020, 3, 31, 23, 30)),
        outsider.contact(jst(2021, 4, 1, 0, 10)),
        people[113].contact(jst(2021, 5, 10)),
    ]
    return events


TARGETS = {
    2020: {"consulted_persons": 30, "job_search_persons": 10, "path_decided_persons": 5},
    2021: {"consulted_persons": 35, "job_search_persons": 12, "path_decided_persons": 6},
    2022: {"consulted_persons": 40, "job_search_persons": 14, "path_decided_persons": 7},
}


@pytest.fixture
def npo() -> Tenant:
    return Tenant.new("npo")


@pytest.fixture
def seeded(sessions: sessionmaker[Session], client: FlaskClient, npo: Tenant) -> Tenant:
    feed(sessions, seed_year(npo))
    admin = make_principal(npo, role="org_admin")
    for year, targets in TARGETS.items():
        response = client.put(
            "/reports/targets",
            json={"fiscal_year": year, "targets": targets},
            headers=auth_header(admin),
        )
        assert response.status_code == 200, response.json
    return npo


def _rows(report: dict) -> dict[str, dict]:
    return {row["kpi"]: row for row in report["rows"]}


def test_the_seed_year_gives_512_69_21_against_30_10_5(client: FlaskClient, seeded: Tenant) -> None:
    staff = make_principal(seeded, role="staff")
    response = client.get("/reports/kpi?fiscal_year=2020&scope=org", headers=auth_header(staff))
    assert response.status_code == 200, response.json
    report = response.json
    assert report["fiscal_year"] == 2020
    assert report["label"] == "令和2年度"
    assert report["scope"] == "org"
    assert report["suppressed"] is False
    assert report["scope_name"] == "かごしま若者サポートステーション"
    rows = _rows(report)
    assert list(rows) == [
        "consulted_persons",
        "job_search_persons",
        "path_decided_persons",
        "line_friends",
        "group_program_persons",
        "contacts_total",
    ]

    consulted = rows["consulted_persons"]
    assert consulted["label"] == "相談窓口（家族による相談含む）人数"
    assert (consulted["target"], consulted["actual"]) == (30, 512)
    assert consulted["attainment"] == pytest.approx(512 / 30)
    assert (consulted["persons"], consulted["contacts"]) == (512, 759)
    parts = {p["key"]: p for p in consulted["breakdown"]}
    assert (parts["self"]["persons"], parts["family_only"]["persons"]) == (400, 112)
    assert (
        parts["family_only"]["contacts"] == 199
    )  # family contacts, incl. those of self-consulters

    job = rows["job_search_persons"]
    assert (job["target"], job["actual"], job["contacts"]) == (10, 69, 70)
    assert job["attainment"] == pytest.approx(6.9)

    path = rows["path_decided_persons"]
    assert (path["target"], path["actual"], path["contacts"]) == (5, 21, 22)
    assert path["attainment"] == pytest.approx(4.2)
    kinds = {p["key"]: p["persons"] for p in path["breakdown"]}
    assert kinds == {
        "employment_regular": 10,
        "employment_nonregular": 6,
        "vocational_training": 3,
        "education": 1,
        "welfare": 2,
        "other": 0,
    }

    contacts = rows["contacts_total"]
    assert (contacts["actual"], contacts["target"], contacts["attainment"]) == (759, None, None)
    assert rows["line_friends"]["actual"] == 0
    assert rows["group_program_persons"]["attainment"] is None


def test_the_plan_period_columns_and_the_cumulative_column(
    client: FlaskClient, seeded: Tenant
) -> None:
    staff = make_principal(seeded, role="staff")
    report = client.get("/reports/kpi?fiscal_year=2020", headers=auth_header(staff)).json
    assert report["plan"]["start_fiscal_year"] == 2020
    assert [y["label"] for y in report["plan"]["fiscal_years"]] == [
        "令和2年度",
        "令和3年度",
        "令和4年度",
    ]
    consulted = _rows(report)["consulted_persons"]
    assert [(y["target"], y["actual"]) for y in consulted["years"]] == [
        (30, 512),
        (35, 2),  # FY2021: the outsider at 00:10 on 1 April, and a returning person
        (40, 0),
    ]
    assert consulted["cumulative"]["target"] == 105
    assert consulted["cumulative"]["actual"] == 514
    assert consulted["cumulative"]["attainment"] == pytest.approx(514 / 105)
    job = _rows(report)["job_search_persons"]
    assert [y["actual"] for y in job["years"]] == [69, 1, 0]
    # FY2019 is 令和元年度, and the contact at 23:30 on 31 March 2020 JST is in it.
    earlier = client.get("/reports/kpi?fiscal_year=2019", headers=auth_header(staff)).json
    assert earlier["label"] == "令和元年度"
    assert _rows(earlier)["consulted_persons"]["actual"] == 1


def test_the_xlsx_export_has_the_seed_layout(client: FlaskClient, seeded: Tenant) -> None:
    staff = make_principal(seeded, role="staff")
    response = client.get("/reports/kpi.xlsx?fiscal_year=2020", headers=auth_header(staff))
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "kpi_org_2020.xlsx" in response.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.data))["KPI"]
    assert ws["A4"].value == "指標"
    assert (ws["B4"].value, ws["E4"].value, ws["H4"].value, ws["K4"].value) == (
        "令和2年度",
        "令和3年度",
        "令和4年度",
        "累計",
    )
    assert (ws["B5"].value, ws["C5"].value, ws["D5"].value) == ("目標", "実績", "達成率")
    assert ws["A6"].value == "相談窓口（家族による相談含む）人数"
    assert (ws["B6"].value, ws["C6"].value) == (30, 512)
    assert ws["D6"].value == pytest.approx(512 / 30)
    assert ws["D6"].number_format == "0.0%"
    assert (ws["E6"].value, ws["F6"].value) == (35, 2)
    assert (ws["K6"].value, ws["L6"].value) == (105, 514)
    assert ws["A7"].value == "求職活動を行った人数"
    assert (ws["B7"].value, ws["C7"].value, ws["D7"].value) == (10, 69, pytest.approx(6.9))
    assert ws["A8"].value == "就労等進路決定した人数"
    assert (ws["B8"].value, ws["C8"].value, ws["D8"].value) == (5, 21, pytest.approx(4.2))
    # LINE's re-follows and blocks sit under its row, without targets of their own.
    assert [ws.cell(r, 1).value for r in (9, 10, 11)] == [
        "LINEの友達ユーザー数",
        "LINE 再追加（ブロック解除）",
        "LINE ブロック",
    ]
    assert (ws["B10"].value, ws["C10"].value, ws["D10"].value) == (None, 0, None)
    assert ws["A13"].value == "延べ相談件数"
    assert (ws["B13"].value, ws["C13"].value, ws["D13"].value) == (None, 759, None)


def test_the_csv_export_starts_with_a_bom_and_holds_the_table(
    client: FlaskClient, seeded: Tenant
) -> None:
    staff = make_principal(seeded, role="staff")
    response = client.get("/reports/kpi.csv?fiscal_year=2020", headers=auth_header(staff))
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert response.headers["Content-Type"].startswith("text/csv")
    lines = response.data.decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    assert header[:5] == [
        "指標",
        "KPIコード",
        "令和2年度 目標",
        "令和2年度 実績",
        "令和2年度 達成率",
    ]
    assert "累計 実績" in header
    first = lines[1].split(",")
    assert first[:5] == [
        "相談窓口（家族による相談含む）人数",
        "consulted_persons",
        "30",
        "512",
        "1706.7%",
    ]


def test_each_export_leaves_an_audit_entry_for_the_org_admin(
    client: FlaskClient, seeded: Tenant
) -> None:
    staff = make_principal(seeded, role="staff")
    client.get("/reports/kpi.csv?fiscal_year=2020", headers=auth_header(staff))
    client.get("/reports/kpi.xlsx?fiscal_year=2020", headers=auth_header(staff))
    admin = make_principal(seeded, role="org_admin")
    log = client.get("/audit", headers=auth_header(admin)).json
    exports = [e for e in log["items"] if e["action"] == "report.export"]
    assert sorted(e["details"]["format"] for e in exports) == ["csv", "xlsx"]
    assert {e["actor_id"] for e in exports} == {str(staff.user_id)}
    assert client.get("/audit", headers=auth_header(staff)).status_code == 403


def test_a_contact_whose_fiscal_year_disagrees_with_its_jst_date_is_refused(
    sessions: sessionmaker[Session], npo: Tenant
) -> None:
    from dataclasses import replace

    from services.reports.domain.facts import UnusableEvent

    good = Person(npo).contact(jst(2021, 4, 1, 0, 10))
    bad = replace(good, id=uuid.uuid4(), data={**good.data, "fiscal_year": 2020})
    with pytest.raises(UnusableEvent):
        feed(sessions, [bad])
