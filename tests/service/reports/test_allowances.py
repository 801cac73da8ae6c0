"""The allowance (手当) ledger: per person, per fiscal year (JST) and per member, exact for
the org and for the consortium admin, with CSV (UTF-8 with BOM) and XLSX exports."""

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
from tests.service.reports.helpers import dump, feed
from tests.service.reports.scenarios import Consortium


class Ledger:
    def __init__(self) -> None:
        consortium = Consortium()
        self.consortium = consortium
        self.npo = consortium.member("npo")
        self.center = consortium.member("prefectural_center")
        self.ayumi = Person(self.npo)
        self.ken = Person(self.npo)
        self.events = [
            org_registered(self.npo, "NPOサポステ"),
            org_registered(self.center, "ひきこもり地域支援センター"),
            # 令和2年度: Ayumi twice (one paid at 23:30 on 31 March JST, still FY2020).
            self.ayumi.activity(jst(2020, 6, 1), "work_experience", allowance_yen=3000, days=3),
            self.ayumi.activity(
                jst(2021, 3, 31, 23, 30), "country_work", allowance_yen=2000, days=1
            ),
            # 00:10 on 1 April JST is 令和3年度 although it is still 31 March in UTC.
            self.ken.activity(
                jst(2021, 4, 1, 0, 10), "work_experience", allowance_yen=5000, days=5
            ),
            # Unpaid work and other activities are not in the ledger.
            self.ken.activity(jst(2020, 7, 1), "work_experience"),
            self.ken.activity(jst(2020, 7, 2), "workplace_tour"),
            # The same person referred to the center, paid there too.
            self.ayumi.at_org(self.center).activity(
                jst(2020, 9, 1), "work_experience", allowance_yen=1000, days=1
            ),
        ]


@pytest.fixture
def ledger(sessions: sessionmaker[Session]) -> Ledger:
    ledger = Ledger()
    feed(sessions, ledger.events)
    return ledger


def _get(client: FlaskClient, principal: object, query: str, path: str = "/reports/allowances"):
    return client.get(f"{path}?{query}", headers=auth_header(principal))


def test_an_org_sees_its_own_payments_per_person_and_year(
    client: FlaskClient, ledger: Ledger
) -> None:
    staff = make_principal(ledger.npo, role="staff")
    response = _get(client, staff, "fiscal_year=2020&scope=org")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["suppressed"] is False
    (line,) = body["persons"]
    assert line["person_key"] == str(ledger.ayumi.person_key)
    assert "name" not in line
    assert line["org_name"] == "NPOサポステ"
    assert (line["payments"], line["days"], line["allowance_yen"]) == (2, 4, 5000)
    assert line["by_type"] == {"work_experience": 3000, "country_work": 2000}
    assert body["total"]["allowance_yen"] == 5000
    assert body["total"]["persons"] == 1

    next_year = _get(client, staff, "fiscal_year=2021&scope=org").json
    assert [p["person_key"] for p in next_year["persons"]] == [str(ledger.ken.person_key)]
    assert next_year["total"]["allowance_yen"] == 5000


def test_the_consortium_admin_sees_every_member_exactly(
    client: FlaskClient, ledger: Ledger
) -> None:
    admin = make_principal(ledger.center, role="consortium_admin")
    body = _get(client, admin, "fiscal_year=2020&scope=consortium").json
    members = {m["org_name"]: m for m in body["members"]}
    assert members["NPOサポステ"]["allowance_yen"] == 5000
    assert members["ひきこもり地域支援センター"]["allowance_yen"] == 1000
    # One person paid by two members: a line under each, once in the total.
    assert len(body["persons"]) == 2
    assert body["total"] == {
        "persons": 1,
        "payments": 3,
        "days": 5,
        "allowance_yen": 6000,
        "by_type": {"work_experience": 4000, "country_work": 2000},
    }
    # Exact even where small: the consortium accounts for each payment.
    assert body["suppressed"] is False


def test_who_may_not_read_the_ledger(client: FlaskClient, ledger: Ledger) -> None:
    center_staff = make_principal(ledger.center, role="staff")
    refused = _get(client, center_staff, "fiscal_year=2020&scope=consortium")
    assert refused.status_code == 403
    admin = make_principal(ledger.center, role="consortium_admin")
    other = uuid.uuid4()
    assert _get(client, admin, f"scope=consortium&consortium_id={other}").status_code == 404
    staff = make_principal(ledger.npo, role="staff")
    assert _get(client, staff, f"scope=org&org_id={ledger.center.org_id}").status_code == 404
    stranger = make_principal(Tenant.new("npo"), role="org_admin")
    assert _get(client, stranger, "fiscal_year=2020").json["persons"] == []


@pytest.mark.parametrize(
    "query",
    ["fiscal_year=abc", "fiscal_year=1999", "scope=everyone", "org_id=nope", "lang=fr"],
)
def test_bad_queries_are_422_with_fields(client: FlaskClient, ledger: Ledger, query: str) -> None:
    staff = make_principal(ledger.npo, role="staff")
    for path in ("/reports/allowances", "/reports/allowances.csv"):
        response = _get(client, staff, query, path)
        assert response.status_code == 422
        assert response.content_type == "application/problem+json"
        assert response.json["errors"][0]["field"]


def test_csv_and_xlsx_exports_are_audited(
    client: FlaskClient, ledger: Ledger, sessions: sessionmaker[Session]
) -> None:
    admin = make_principal(ledger.center, role="consortium_admin")
    query = "fiscal_year=2020&scope=consortium"
    response = _get(client, admin, query, "/reports/allowances.csv")
    assert response.status_code == 200
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["年度", "区分", "団体", "本人キー"]
    assert rows[0][-1] == "手当合計（円）"
    persons = [r for r in rows[1:] if r[1] == "本人"]
    assert {r[3] for r in persons} == {str(ledger.ayumi.person_key)}
    assert rows[-1][1] == "合計"
    assert rows[-1][-1] == "6000"
    assert response.headers["Content-Disposition"].endswith('allowances_consortium_2020.csv"')

    english = _get(client, admin, query + "&lang=en", "/reports/allowances.csv")
    assert english.data.decode("utf-8-sig").startswith("Fiscal year,Line,")

    book = _get(client, admin, query, "/reports/allowances.xlsx")
    sheet = load_workbook(io.BytesIO(book.data)).active
    assert sheet is not None
    assert sheet.title == "手当台帳"
    assert sheet.cell(sheet.max_row, sheet.max_column).value == 6000
    with sessions() as session:
        actions = [e.action for e in session.query(AuditEntry).all()]
    assert actions.count("report.export") == 2 + 1


def test_a_rebuild_gives_the_same_ledger(ledger: Ledger, sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        before = dump(session)
        assert len(before["report_allowances"]) == 4
        rebuild(session)
    with sessions() as session:
        assert dump(session) == before
