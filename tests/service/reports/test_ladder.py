"""The ladder 相談 → 職場見学 → カントリーワーク → 体験就労 → 求職活動 → 進路決定 → 定着: persons
reaching each rung in a fiscal year and the median days on it, each rung dated by the fact
that put the person there (a stage change an activity caused: the activity's date)."""

from __future__ import annotations

import csv
import io
import random
import uuid

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from common.messaging.envelope import Event
from common.testing.principals import auth_header, make_principal
from services.reports.rebuild import rebuild
from tests.service.reports.factories import Person, jst, org_registered
from tests.service.reports.helpers import dump, feed, wipe
from tests.service.reports.scenarios import Consortium


class Climb:
    def __init__(self) -> None:
        consortium = Consortium()
        self.npo = consortium.member("npo")
        self.center = consortium.member("prefectural_center")
        a, b = Person(self.npo), Person(self.npo)
        self.events: list[Event] = [
            org_registered(self.npo, "NPOサポステ"),
            org_registered(self.center, "センター"),
            a.contact(jst(2020, 5, 1)),
            # The tour on 11 May was typed on 1 June: the stage change is dated 11 May.
            a.stage_changed(
                jst(2020, 5, 11),
                "intake",
                "experience",
                record="activity",
                record_type="workplace_tour",
                recorded_at=jst(2020, 6, 1),
            ),
            a.activity(jst(2020, 6, 10), "work_experience", allowance_yen=1000, days=1),
            a.outcome(jst(2020, 7, 10), "job_search_started"),
            a.stage_changed(
                jst(2020, 7, 10),
                "experience",
                "job_search",
                record="outcome",
                record_type="job_search_started",
            ),
            a.outcome(jst(2020, 9, 8), "path_decided", "employment_regular"),
            b.case_opened(jst(2020, 5, 1)),
            # A worker set B's stage by hand.
            b.stage_changed(jst(2020, 5, 21), "intake", "job_search"),
            # Closing is no rung.
            b.stage_changed(jst(2020, 5, 22), "job_search", "closed"),
        ]


@pytest.fixture
def climb(sessions: sessionmaker[Session]) -> Climb:
    climb = Climb()
    feed(sessions, climb.events)
    return climb


def _ladder(client: FlaskClient, principal: object, query: str = "fiscal_year=2020") -> dict:
    response = client.get(f"/reports/ladder?{query}", headers=auth_header(principal))
    assert response.status_code == 200, response.json
    return {r["rung"]: r for r in response.json["rungs"]}


def test_persons_per_rung_and_median_days_dated_by_the_facts(
    client: FlaskClient, climb: Climb
) -> None:
    rungs = _ladder(client, make_principal(climb.npo, role="staff"))
    assert list(rungs) == [
        "consultation",
        "workplace_tour",
        "country_work",
        "work_experience",
        "job_search",
        "path_decided",
        "retention",
    ]
    assert rungs["consultation"]["label"] == "相談"
    figures = {
        k: (r["persons"], r["moved_on"], r["median_days"], r["still_here"])
        for k, r in rungs.items()
    }
    assert figures == {
        # A moved on after 10 days (the tour's date, not the day it was typed), B after 20.
        "consultation": (2, 2, 15.0, 0),
        "workplace_tour": (1, 1, 30.0, 0),
        "country_work": (0, 0, None, 0),
        "work_experience": (1, 1, 30.0, 0),
        "job_search": (2, 1, 60.0, 1),
        "path_decided": (1, 0, None, 1),
        "retention": (0, 0, None, 0),
    }
    assert rungs["path_decided"]["median_days_so_far"] > 0
    # Nobody reached a rung in 令和3年度.
    later = _ladder(client, make_principal(climb.npo, role="staff"), "fiscal_year=2021")
    assert all(r["persons"] == 0 for r in later.values())


def test_the_consortium_view_hides_small_cells_and_the_chart_has_its_table(
    client: FlaskClient, climb: Climb
) -> None:
    staff = make_principal(climb.center, role="staff")
    rungs = _ladder(client, staff, "fiscal_year=2020&scope=consortium")
    assert rungs["consultation"]["persons"] == "<5"
    assert rungs["consultation"]["median_days"] is None
    assert rungs["country_work"]["persons"] == 0
    chart = client.get(
        "/reports/charts/ladder?fiscal_year=2020&scope=org",
        headers=auth_header(make_principal(climb.npo, role="staff")),
    ).json
    assert chart["categories"][:2] == ["相談", "職場見学"]
    assert chart["table"]["columns"][0] == "段階"
    assert chart["table"]["rows"][0] == ["相談", 2, 2, 15.0, 0]


def test_any_arrival_order_and_a_rebuild_give_the_same_ladder(
    sessions: sessionmaker[Session], climb: Climb
) -> None:
    with sessions() as session:
        first = dump(session)
        wipe(session)
    shuffled = list(climb.events)
    random.Random(3).shuffle(shuffled)
    feed(sessions, list(reversed(climb.events)))
    with sessions() as session:
        assert dump(session) == first
        wipe(session)
    feed(sessions, shuffled)
    with sessions() as session:
        assert dump(session) == first
        rebuild(session)
    with sessions() as session:
        assert dump(session) == first


def test_refusals(client: FlaskClient, climb: Climb) -> None:
    staff = make_principal(climb.npo, role="staff")
    for query, status in (
        ("fiscal_year=abc", 422),
        ("scope=nope", 422),
        (f"scope=consortium&consortium_id={uuid.uuid4()}", 404),
        (f"org_id={climb.center.org_id}", 404),
    ):
        response = client.get(f"/reports/ladder?{query}", headers=auth_header(staff))
        assert response.status_code == status, query
        assert response.content_type == "application/problem+json"
    volunteer = make_principal(climb.npo, role="volunteer")
    assert client.get("/reports/ladder", headers=auth_header(volunteer)).status_code == 403


def test_the_ladder_as_csv_and_xlsx(client: FlaskClient, climb: Climb) -> None:
    staff = make_principal(climb.npo, role="staff")
    response = client.get("/reports/ladder.csv?fiscal_year=2020", headers=auth_header(staff))
    assert response.status_code == 200
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["年度", "段階", "到達した実人数"]
    assert rows[1][:5] == ["令和2年度", "相談", "2", "2", "15.0"]
    assert len(rows) == 1 + 7
    center = make_principal(climb.center, role="staff")
    hidden = client.get(
        "/reports/ladder.csv?fiscal_year=2020&scope=consortium", headers=auth_header(center)
    )
    assert list(csv.reader(io.StringIO(hidden.data.decode("utf-8-sig"))))[1][2] == "<5"
    book = client.get("/reports/ladder.xlsx?fiscal_year=2020&lang=en", headers=auth_header(staff))
    sheet = load_workbook(io.BytesIO(book.data)).active
    assert sheet is not None
    assert (sheet.title, sheet["B2"].value) == ("Ladder", "Consultation")
    refused = client.get("/reports/ladder.csv?fiscal_year=abc", headers=auth_header(staff))
    assert refused.status_code == 422
