"""Every event the cases service produces matches its JSON Schema in contracts/events/,
and every schema is exercised."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy.orm import Session, sessionmaker

from common.messaging.envelope import Event
from services.cases.consumers import HANDLERS
from tests.service.cases.support import Api, Member, contact, outbox

CONTRACTS = Path(__file__).resolve().parents[3] / "contracts" / "events"
PRODUCED = (
    "case.opened",
    "case.closed",
    "case.reopened",
    "case.stage_changed",
    "contact.logged",
    "activity.recorded",
    "outcome.recorded",
    "consent.recorded",
    "consent.withdrawn",
)


def schema(kind: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((CONTRACTS / f"{kind}.json").read_text())
    return loaded


@pytest.mark.parametrize("kind", PRODUCED)
def test_each_schema_is_a_valid_json_schema(kind: str) -> None:
    jsonschema.Draft202012Validator.check_schema(schema(kind))


def _everything(api: Api, member: Member, other: Member, sessions: sessionmaker[Session]) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case(birth_year=1979, gender="female", first_contact=contact())["id"]
    staff.post(f"/cases/{cid}/contacts", json=contact(by="self", relationship=None, minutes=None))
    for body in (
        {"type": "aptitude_test", "occurred_at": "2021-05-01"},
        {"type": "workplace_tour", "occurred_at": "2021-05-02", "accompanied": True},
        {"type": "work_experience", "occurred_at": "2021-05-03", "days": 3, "allowance_yen": 9000},
        {
            "type": "retention_followup",
            "occurred_at": "2021-09-01",
            "checkpoint_months": 3,
            "retained": True,
        },
    ):
        assert staff.post(f"/cases/{cid}/activities", json=body).status_code == 201
    for body in (
        {"type": "job_search_started", "occurred_at": "2021-06-01"},
        {"type": "path_decided", "path": "employment_regular", "occurred_at": "2021-07-01"},
        {
            "type": "retention",
            "retained": True,
            "checkpoint_months": 6,
            "occurred_at": "2022-01-01",
        },
    ):
        assert staff.post(f"/cases/{cid}/outcomes", json=body).status_code == 201
    staff.patch(f"/cases/{cid}", json={"stage": "employed"})
    given = staff.post(
        f"/cases/{cid}/consents",
        json={
            "to_org_ids": [str(other.org_id)],
            "categories": ["identity", "sensitive"],
            "method": "electronic",
            "given_by": "family",
            "given_by_relationship": "mother",
            "obtained_at": "2021-06-01",
            "expires_at": "2031-06-01",
        },
    ).json
    staff.post(f"/consents/{given['id']}/withdraw", json={})
    staff.post(f"/cases/{cid}/close", json={"reason": "定着", "reason_code": "path_decided"})
    staff.post(f"/cases/{cid}/reopen", json={"reason": "再相談"})
    referral = Event(
        type="referral.accepted",
        producer="referrals",
        org_id=member.org_id,
        data={
            "referral_id": str(uuid.uuid4()),
            "from_org_id": str(other.org_id),
            "to_org_id": str(member.org_id),
            "person_key": str(uuid.uuid4()),
            "packet": {
                "categories": [],
                "anonymous": True,
                "person": {"age_band": "40s", "gender": "male"},
            },
        },
    )
    with sessions() as session, session.begin():
        HANDLERS[referral.type](session, referral)


def test_every_produced_event_matches_its_contract(
    api: Api, member: Member, other: Member, sessions: sessionmaker[Session]
) -> None:
    _everything(api, member, other, sessions)
    events = outbox(sessions)
    seen = set()
    for event in events:
        assert event["producer"] == "cases"
        assert event["version"] == 1
        assert event["org_id"] == str(member.org_id)
        assert event["subject_id"]
        jsonschema.validate(event["data"], schema(event["type"]))
        seen.add(event["type"])
    assert seen == set(PRODUCED)


def test_the_contracts_folder_has_no_schema_for_an_event_not_produced() -> None:
    ours = {"case", "contact", "activity", "outcome", "consent"}
    present = {p.stem for p in CONTRACTS.glob("*.json") if p.stem.split(".")[0] in ours}
    assert present == set(PRODUCED)
