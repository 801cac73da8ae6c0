"""A retention follow-up posted exactly as API.md lists the body (type, occurred_at,
place?, accompanied?, allowance_yen? — no checkpoint_months) is accepted, its checkpoint
is derived, and the events it sends are what the reports count: the activity with its
checkpoint (6-month retention when retained), and the stage change to 定着 dated by it."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator
from sqlalchemy.orm import Session, sessionmaker

from services.reports.domain.facts import facts_of
from services.reports.domain.ladder import rungs_of
from tests.service.cases.support import Api, Member, contact, outbox

CONTRACTS = Path(__file__).resolve().parents[3] / "contracts" / "events"


def _valid(event_type: str, data: dict[str, object]) -> None:
    schema = json.loads((CONTRACTS / f"{event_type}.json").read_text())
    assert not list(Draft202012Validator(schema).iter_errors(data))


def test_a_follow_up_as_api_md_lists_it_counts_in_the_reports(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    staff = api.as_(member.staff)
    first_contact = contact(occurred_at="2021-03-01T10:00:00+09:00")
    cid = staff.open_case(first_contact=first_contact)["id"]
    decided = staff.post(
        f"/cases/{cid}/outcomes",
        json={"type": "path_decided", "path": "employment_regular", "occurred_at": "2021-04-01"},
    )
    assert decided.status_code == 201, decided.json
    body = {
        "type": "retention_followup",
        "occurred_at": "2021-10-01",
        "place": "職場",
        "accompanied": False,
    }
    first = staff.post(f"/cases/{cid}/activities", json=body)
    assert first.status_code == 201, first.json
    assert (first.json["checkpoint_months"], first.json["checkpoint_derived"]) == (6, True)

    activity = outbox(sessions, "activity.recorded")[-1]["data"]
    _valid("activity.recorded", activity)
    assert activity["checkpoint_months"] == 6
    # Without "retained" the reports cannot say the person stayed: not yet 6-month retention.
    assert [f.measure for f in facts_of("activity.recorded", activity)] == [
        "activity.retention_followup"
    ]
    change = outbox(sessions, "case.stage_changed")[-1]["data"]
    _valid("case.stage_changed", change)
    step = rungs_of("case.stage_changed", change)
    assert step is not None
    assert (step.rung, step.reached_at.isoformat()) == ("retention", "2021-09-30T15:00:00+00:00")

    stayed = staff.post(f"/cases/{cid}/activities", json=body | {"retained": True})
    assert stayed.status_code == 201, stayed.json
    activity = outbox(sessions, "activity.recorded")[-1]["data"]
    assert activity["checkpoint_months"] == 6
    assert "retained_6m" in [f.measure for f in facts_of("activity.recorded", activity)]
