"""``line_friends``: a channel's new friends in a fiscal year (JST), each LINE user once, with
re-follows and blocks beside it, per org and consortium, over the plan period."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.clock import JST
from common.testing.principals import Tenant, auth_header, make_principal
from tests.service.reports.factories import jst, line_event, org_registered
from tests.service.reports.helpers import consume
from tests.service.reports.scenarios import Consortium

OTHER_CHANNEL = uuid.UUID("5d0c1c3e-9f0a-4f7e-8f3b-6a3e1d2c4b50")


def _line_rows(client: FlaskClient, principal: object, year: int, scope: str = "org") -> dict:
    response = client.get(
        f"/reports/kpi?fiscal_year={year}&scope={scope}", headers=auth_header(principal)
    )
    assert response.status_code == 200, response.json
    row = next(r for r in response.json["rows"] if r["kpi"] == "line_friends")
    refollows, blocks = row["beside"]
    return {"row": row, "refollows": refollows, "blocks": blocks, "label": response.json["label"]}


@pytest.fixture
def desk() -> tuple[Consortium, Tenant]:
    consortium = Consortium()
    return consortium, consortium.member("npo")


def test_a_follow_at_2359_on_31_march_jst_is_the_old_year_and_at_0000_on_1_april_the_new(
    sessions: sessionmaker[Session], client: FlaskClient, desk: tuple[Consortium, Tenant]
) -> None:
    consortium, org = desk
    consume(
        sessions,
        [
            org_registered(org, "LINE相談窓口"),
            line_event("line.followed", org, "late", jst(2021, 3, 31, 23, 59), consortium.id),
            line_event(
                "line.followed",
                org,
                "early",
                datetime(2021, 4, 1, 0, 0, tzinfo=JST),
                consortium.id,
            ),
        ],
    )
    staff = make_principal(org, role="staff")
    reiwa2 = _line_rows(client, staff, 2020)
    reiwa3 = _line_rows(client, staff, 2021)
    assert (reiwa2["label"], reiwa2["row"]["actual"]) == ("令和2年度", 1)
    assert (reiwa3["label"], reiwa3["row"]["actual"]) == ("令和3年度", 1)
    # The plan period 令和2〜4年度 holds both, in their own years, and adds them up.
    assert [y["actual"] for y in reiwa2["row"]["years"]] == [1, 1, 0]
    assert reiwa2["row"]["cumulative"]["actual"] == 2


def test_a_user_counts_once_however_often_they_follow_and_refollows_and_blocks_sit_beside(
    sessions: sessionmaker[Session], client: FlaskClient, desk: tuple[Consortium, Tenant]
) -> None:
    consortium, org = desk
    first = line_event("line.followed", org, "u1", jst(2020, 5, 1, 17), consortium.id)
    events = [
        org_registered(org, "LINE相談窓口"),
        first,
        line_event("line.unfollowed", org, "u1", jst(2020, 6, 1, 20), consortium.id),
        line_event("line.followed", org, "u1", jst(2020, 7, 1, 18), consortium.id, refollow=True),
        line_event("line.unfollowed", org, "u1", jst(2020, 8, 1, 20), consortium.id),
        line_event("line.followed", org, "u1", jst(2020, 9, 1, 18), consortium.id, refollow=True),
        # A second "new" follow of the same user (another event id) is still one friend.
        line_event("line.followed", org, "u1", jst(2020, 10, 1, 18), consortium.id),
        line_event("line.followed", org, "u2", jst(2020, 5, 2, 18), consortium.id),
        line_event("line.message_received", org, "u2", jst(2020, 5, 2, 19), consortium.id),
    ]
    assert consume(sessions, events) == len(events)
    # The same event again (LINE redelivered, or the broker did) changes nothing.
    assert consume(sessions, [first, dataclasses.replace(first)]) == 0
    line = _line_rows(client, make_principal(org, role="staff"), 2020)
    assert (line["row"]["actual"], line["row"]["persons"], line["row"]["contacts"]) == (2, 2, 3)
    assert (line["refollows"]["actual"], line["refollows"]["persons"]) == (2, 1)
    assert (line["blocks"]["actual"], line["blocks"]["persons"]) == (2, 1)
    assert line["refollows"]["target"] is None
    assert line["blocks"]["cumulative"]["actual"] == 2


def test_one_hash_on_two_channels_is_two_users_per_org_and_for_the_consortium(
    sessions: sessionmaker[Session], client: FlaskClient
) -> None:
    consortium = Consortium()
    desk, center = consortium.member("npo"), consortium.member("prefectural_center")
    at = jst(2020, 11, 1, 18)
    events = [org_registered(desk, "LINE相談窓口"), org_registered(center, "センター")]
    for n in range(6):
        events.append(line_event("line.followed", desk, f"h{n}", at, consortium.id))
        events.append(
            line_event(
                "line.followed", center, f"h{n}", at, consortium.id, channel_id=OTHER_CHANNEL
            )
        )
    consume(sessions, events)
    assert _line_rows(client, make_principal(desk, role="staff"), 2020)["row"]["actual"] == 6
    assert _line_rows(client, make_principal(center, role="staff"), 2020)["row"]["actual"] == 6
    admin = make_principal(center, role="consortium_admin")
    whole = _line_rows(client, admin, 2020, "consortium")
    assert whole["row"]["actual"] == 12
    assert whole["blocks"]["actual"] == 0


def test_the_kpi_files_list_refollows_and_blocks_under_line_friends(
    sessions: sessionmaker[Session], client: FlaskClient, desk: tuple[Consortium, Tenant]
) -> None:
    consortium, org = desk
    consume(
        sessions,
        [
            org_registered(org, "LINE相談窓口"),
            line_event("line.followed", org, "u1", jst(2020, 5, 1), consortium.id),
            line_event("line.unfollowed", org, "u1", jst(2020, 5, 3), consortium.id),
        ],
    )
    staff = make_principal(org, role="staff")
    csv = client.get("/reports/kpi.csv?fiscal_year=2020", headers=auth_header(staff))
    assert csv.status_code == 200
    codes = [line.split(",")[1] for line in csv.data.decode("utf-8-sig").splitlines()[1:]]
    assert codes[codes.index("line_friends") : codes.index("line_friends") + 3] == [
        "line_friends",
        "line_refollows",
        "line_blocks",
    ]
    xlsx = client.get("/reports/kpi.xlsx?fiscal_year=2020", headers=auth_header(staff))
    assert xlsx.status_code == 200


def test_another_orgs_staff_do_not_see_the_desks_friends(
    sessions: sessionmaker[Session], client: FlaskClient, desk: tuple[Consortium, Tenant]
) -> None:
    consortium, org = desk
    other = consortium.member("family_association")
    consume(
        sessions,
        [
            org_registered(org, "LINE相談窓口"),
            org_registered(other, "家族会"),
            line_event("line.followed", org, "u1", jst(2020, 5, 1), consortium.id),
        ],
    )
    assert _line_rows(client, make_principal(other, role="staff"), 2020)["row"]["actual"] == 0
    assert _line_rows(client, make_principal(org, role="staff"), 2020)["row"]["actual"] == 1
