"""When things happened: a stage change caused by a record is dated by the record (its
occurred_at), not by the moment it was typed, so the time spent on each rung of the ladder
is true; and a retention follow-up sent as API.md lists it (no checkpoint) gets the
checkpoint its date implies."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from common.clock import utcnow
from tests.service.cases.support import Api, Member, contact, outbox


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_stage_reached_by_an_activity_is_dated_by_the_activity(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    staff = api.as_(member.staff)
    case = staff.open_case(first_contact=contact(occurred_at="2021-05-10T14:00:00+09:00"))
    path = f"/cases/{case['id']}"
    tour = staff.post(
        f"{path}/activities", json={"type": "workplace_tour", "occurred_at": "2021-06-01"}
    ).json
    history = staff.get(path).json["stage_history"]
    assert [(h["kind"], h["to_stage"]) for h in history] == [
        ("open", "intake"),
        ("advance", "experience"),
    ]
    assert at(history[1]["changed_at"]) == at("2021-06-01T00:00:00+09:00")
    event = outbox(sessions, "case.stage_changed")[-1]["data"]
    assert at(event["changed_at"]) == at("2021-06-01T00:00:00+09:00")
    assert event["fiscal_year"] == 2021
    assert (event["kind"], event["from_stage"], event["to_stage"]) == (
        "advance",
        "intake",
        "experience",
    )
    assert (event["record"], event["record_id"], event["record_type"]) == (
        "activity",
        tour["id"],
        "workplace_tour",
    )
    assert utcnow() - at(event["recorded_at"]) < timedelta(minutes=1)


def test_a_stage_reached_by_an_outcome_is_dated_by_the_outcome(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    staff = api.as_(member.staff)
    case = staff.open_case(first_contact=contact(occurred_at="2021-05-10T14:00:00+09:00"))
    outcome = staff.post(
        f"/cases/{case['id']}/outcomes",
        json={"type": "job_search_started", "occurred_at": "2021-03-31T23:30:00+09:00"},
    ).json
    event = outbox(sessions, "case.stage_changed")[-1]["data"]
    # Dated by the outcome, yet never before the rung it leaves began (the case opened
    # on 10 May): the ladder's history stays in order.
    assert at(event["changed_at"]) == at("2021-05-10T14:00:00+09:00")
    assert (event["record"], event["record_id"]) == ("outcome", outcome["id"])


def test_a_change_is_never_dated_before_the_previous_one(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    staff = api.as_(member.staff)
    case = staff.open_case(first_contact=contact(occurred_at="2021-05-10T14:00:00+09:00"))
    path = f"/cases/{case['id']}"
    staff.patch(path, json={"stage": "preparation"})  # set today, by hand
    staff.post(f"{path}/activities", json={"type": "workplace_tour", "occurred_at": "2021-06-01"})
    history = staff.get(path).json["stage_history"]
    assert at(history[-1]["changed_at"]) >= at(history[-2]["changed_at"])
    changed = [e["data"] for e in outbox(sessions, "case.stage_changed")]
    assert changed[-1]["changed_at"] >= changed[-2]["changed_at"]
    assert changed[-2]["record"] is None  # set by a worker


def test_a_record_dated_tomorrow_moves_the_stage_today(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    staff = api.as_(member.staff)
    case = staff.open_case()
    tomorrow = (utcnow() + timedelta(hours=20)).isoformat()
    staff.post(
        f"/cases/{case['id']}/activities", json={"type": "aptitude_test", "occurred_at": tomorrow}
    )
    event = outbox(sessions, "case.stage_changed")[-1]["data"]
    assert at(event["changed_at"]) <= utcnow()


# --- retention follow-ups as the contract lists them -------------------------------------


def followup(staff: Api, case_id: str, occurred_at: str, **extra: object) -> dict[str, object]:
    body = {"type": "retention_followup", "occurred_at": occurred_at} | extra
    response = staff.post(f"/cases/{case_id}/activities", json=body)
    assert response.status_code == 201, response.json
    return dict(response.json)


def test_a_follow_up_without_a_checkpoint_gets_the_one_nearest_the_time_in_work(
    api: Api, member: Member
) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    staff.post(
        f"/cases/{cid}/outcomes",
        json={"type": "path_decided", "path": "employment_regular", "occurred_at": "2021-04-01"},
    )
    assert followup(staff, cid, "2021-05-06")["checkpoint_months"] == 1
    assert followup(staff, cid, "2021-06-20")["checkpoint_months"] == 3
    assert followup(staff, cid, "2021-10-01")["checkpoint_months"] == 6
    assert followup(staff, cid, "2022-05-01")["checkpoint_months"] == 12
    answer = followup(staff, cid, "2021-07-01")
    assert answer["checkpoint_months"] == 3
    assert answer["checkpoint_derived"] is True


def test_without_a_start_of_work_the_next_checkpoint_not_yet_recorded_is_taken(
    api: Api, member: Member
) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    assert followup(staff, cid, "2021-05-06")["checkpoint_months"] == 1
    assert followup(staff, cid, "2021-07-06", retained=True)["checkpoint_months"] == 3
    assert followup(staff, cid, "2021-10-06", checkpoint_months=12)["checkpoint_months"] == 12
    assert followup(staff, cid, "2021-11-06")["checkpoint_months"] == 6
    assert followup(staff, cid, "2022-05-06")["checkpoint_months"] == 12


def test_a_checkpoint_given_is_kept_and_a_wrong_one_is_still_refused(
    api: Api, member: Member
) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    given = followup(staff, cid, "2021-05-06", checkpoint_months=6)
    assert (given["checkpoint_months"], given["checkpoint_derived"]) == (6, False)
    wrong = staff.post(
        f"/cases/{cid}/activities",
        json={"type": "retention_followup", "occurred_at": "2021-05-06", "checkpoint_months": 2},
    )
    assert wrong.status_code == 422
    assert [e["field"] for e in wrong.json["errors"]] == ["checkpoint_months"]
