"""Every event the referrals service produces matches its JSON Schema in contracts/events/
and the envelope rules of docs/events.md; every schema is exercised. Events the service
consumes, built to their producers' schemas, are applied without error."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import sqlalchemy as sa

from common.clock import utcnow
from common.messaging.envelope import Event
from common.messaging.topology import REFERRAL_EVENTS, SUBSCRIPTIONS
from services.referrals.consumers import HANDLERS
from services.referrals.domain.states import Action, Status
from services.referrals.models import OutboxEvent
from services.referrals.operations.deadlines import run_deadlines
from tests.service.referrals.drive import act, drive, set_policy
from tests.service.referrals.world import World

CONTRACTS = Path(__file__).resolve().parents[3] / "contracts" / "events"


def schema(kind: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((CONTRACTS / f"{kind}.json").read_text())
    return loaded


@pytest.mark.parametrize("kind", REFERRAL_EVENTS)
def test_each_schema_is_a_valid_json_schema(kind: str) -> None:
    jsonschema.Draft202012Validator.check_schema(schema(kind))


def produce_everything(world: World, set_clock: Callable[[datetime], None]) -> list[dict[str, Any]]:
    case_id, consent_id = world.case_with_consent(["identity", "contact", "sensitive"])
    world.sent(
        case_id=str(case_id), consent_id=str(consent_id), categories=["identity", "sensitive"]
    )
    world.sent(exception={"code": "public_body_cooperation", "reason": "市の要請"})
    anonymous = world.sent(anonymous=True, categories=[])["id"]
    world.client.get(f"/referrals/{anonymous}", headers=world.receiver.headers())
    act(world, anonymous, Action.ACCEPT, world.receiver)
    drive(world, Status.COMPLETED)
    drive(world, Status.DECLINED)
    drive(world, Status.WITHDRAWN)
    set_policy(world, decline_requires_center_confirmation=True)
    pending = drive(world, Status.VIEWED)
    act(world, pending, Action.DECLINE, world.receiver)
    act(world, pending, Action.CONFIRM_DECLINE, world.center)
    relying = world.sent(case_id=str(case_id), consent_id=str(consent_id), categories=["identity"])
    with world.sessions() as session:
        HANDLERS["consent.withdrawn"](
            session,
            Event(
                type="consent.withdrawn",
                producer="cases",
                subject_id=consent_id,
                data={
                    "consent_id": str(consent_id),
                    "case_id": str(case_id),
                    "withdrawn_at": utcnow().isoformat(),
                },
            ),
        )
        session.commit()
    assert (
        world.client.get(f"/referrals/{relying['id']}", headers=world.sender.headers()).json[
            "status"
        ]
        == "withdrawn"
    )
    drive(world, Status.EXPIRED, set_clock=set_clock)
    run_deadlines(world.sessions)
    with world.sessions() as session:
        return [
            json.loads(body)
            for body in session.scalars(sa.select(OutboxEvent.body).order_by(OutboxEvent.seq))
        ]


def test_every_produced_event_matches_its_schema_and_the_envelope_rules(
    world: World, set_clock: Callable[[datetime], None]
) -> None:
    produced = produce_everything(world, set_clock)
    assert {e["type"] for e in produced} == set(REFERRAL_EVENTS)
    for envelope in produced:
        jsonschema.validate(envelope["data"], schema(envelope["type"]))
        assert envelope["producer"] == "referrals"
        assert envelope["version"] == 1
        assert envelope["subject_id"] == envelope["data"]["referral_id"]
        assert envelope["consortium_id"] == str(world.consortium_id)
        assert envelope["data"]["status"] == envelope["type"].removeprefix("referral.")
        assert envelope["occurred_at"].endswith("+00:00")
        if envelope["type"] == "referral.expired":
            assert envelope["org_id"] is None
            assert envelope["actor_id"] is None
        if envelope["type"] != "referral.accepted":
            # ids and codes only: no names, reasons, notes or packet outside acceptance
            text = json.dumps(envelope, ensure_ascii=False)
            for forbidden in ("山田", "就労準備", "通院中", "市の要請", "定員", "packet"):
                assert forbidden not in text, (envelope["type"], forbidden)


def test_the_accepted_packet_of_an_anonymous_referral_is_bare(
    world: World, set_clock: Callable[[datetime], None]
) -> None:
    produced = produce_everything(world, set_clock)
    accepted = [e for e in produced if e["type"] == "referral.accepted"]
    anonymous = [e for e in accepted if e["data"]["basis"] == "anonymous"]
    assert anonymous[0]["data"]["packet"] == {
        "categories": [],
        "anonymous": True,
        "person": {"age_band": "40s", "gender": "male"},
    }
    bad = dict(anonymous[0]["data"], packet={**anonymous[0]["data"]["packet"], "contact": {}})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema("referral.accepted"))


def test_the_queue_hears_every_type_the_service_handles() -> None:
    assert set(HANDLERS) == set(SUBSCRIPTIONS["referrals"])


CONSUMED_SAMPLES: dict[str, dict[str, Any]] = {
    "case.opened": {
        "case_id": str(uuid.uuid4()),
        "person_key": str(uuid.uuid4()),
        "opened_at": "2026-05-01T01:00:00+00:00",
        "fiscal_year": 2026,
        "stage": "intake",
        "origin_referral_id": str(uuid.uuid4()),
        "age_band": "40s",
        "gender": "male",
    },
    "case.closed": {
        "case_id": str(uuid.uuid4()),
        "person_key": str(uuid.uuid4()),
        "closed_at": "2026-05-01T01:00:00+00:00",
        "fiscal_year": 2026,
        "reason_code": "other",
    },
    "case.reopened": {
        "case_id": str(uuid.uuid4()),
        "person_key": str(uuid.uuid4()),
        "reopened_at": "2026-05-01T01:00:00+00:00",
        "fiscal_year": 2026,
        "stage": "intake",
    },
    "outcome.recorded": {
        "outcome_id": str(uuid.uuid4()),
        "case_id": str(uuid.uuid4()),
        "person_key": str(uuid.uuid4()),
        "type": "path_decided",
        "path": "employment_regular",
        "occurred_at": "2026-05-01T01:00:00+00:00",
        "fiscal_year": 2026,
        "retained": None,
        "checkpoint_months": None,
    },
    "consent.recorded": {
        "consent_id": str(uuid.uuid4()),
        "case_id": str(uuid.uuid4()),
        "person_key": str(uuid.uuid4()),
        "to_org_ids": [str(uuid.uuid4())],
        "categories": ["identity"],
        "method": "written",
        "given_by": "self",
        "obtained_at": "2026-05-01T01:00:00+00:00",
        "expires_at": None,
    },
    "consent.withdrawn": {
        "consent_id": str(uuid.uuid4()),
        "case_id": str(uuid.uuid4()),
        "person_key": str(uuid.uuid4()),
        "withdrawn_at": "2026-05-01T01:00:00+00:00",
    },
    "user.deactivated": {"user_id": str(uuid.uuid4())},
    "org.registered": {
        "org_id": str(uuid.uuid4()),
        "consortium_id": str(uuid.uuid4()),
        "name": "新しい会員",
        "kind": "npo",
        "sector": "private",
        "status": "active",
    },
}


@pytest.mark.parametrize("kind", sorted(CONSUMED_SAMPLES))
def test_a_consumed_event_built_to_its_producers_contract_is_applied(
    world: World, kind: str
) -> None:
    data = CONSUMED_SAMPLES[kind]
    path = CONTRACTS / f"{kind}.json"
    if path.exists():  # the producer's schema, once its branch has landed
        jsonschema.validate(data, json.loads(path.read_text()))
    event = Event(type=kind, producer=kind.split(".")[0], org_id=uuid.uuid4(), data=data)
    with world.sessions() as session:
        HANDLERS[kind](session, event)
        session.commit()
