"""The receiver's case keeps the stage the packet supports: a person the sender had
brought to workplace tours is not back at intake because they changed hands."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.service.cases.support import Member, outbox
from tests.service.cases.test_consumers import accepted, cases_of, deliver


def support_record(stage: object) -> dict[str, object]:
    return {
        "stage": stage,
        "activities": [{"type": "workplace_tour", "occurred_at": "2021-06-01T00:00:00+00:00"}],
        "outcomes": [],
    }


def test_a_shared_support_record_carries_the_stage_over(
    sessions: sessionmaker[Session], member: Member
) -> None:
    event = accepted(
        member.org_id,
        categories=["identity", "support_record"],
        support_record=support_record("experience"),
    )
    deliver(sessions, event)
    (case,) = cases_of(sessions, event.data["referral_id"])
    assert case.stage == "experience"
    opened = outbox(sessions, "case.opened")[-1]["data"]
    assert opened["stage"] == "experience"


@pytest.mark.parametrize("stage", [None, "closed", "flying", 3])
def test_without_an_open_stage_in_the_packet_the_case_starts_at_intake(
    sessions: sessionmaker[Session], member: Member, stage: object
) -> None:
    packet = {"support_record": support_record(stage)} if stage is not None else {}
    event = accepted(member.org_id, **packet)
    deliver(sessions, event)
    (case,) = cases_of(sessions, event.data["referral_id"])
    assert case.stage == "intake"
