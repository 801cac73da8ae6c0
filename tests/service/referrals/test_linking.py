"""Acceptance and the linked case: referral.accepted carries the packet and the person key;
case.opened (origin_referral_id) links the receiver's new case, exactly once."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa

from common.clock import utcnow
from common.messaging.envelope import Event
from services.referrals.consumers import HANDLERS
from services.referrals.domain.states import Status
from services.referrals.models import OutboxEvent, Referral
from tests.service.referrals.drive import drive
from tests.service.referrals.world import World


def case_opened(
    world: World, referral_id: str, case_id: uuid.UUID, org_id: uuid.UUID | None = None
) -> Event:
    with world.sessions() as session:
        person_key = session.scalar(
            sa.select(Referral.person_key).where(Referral.id == uuid.UUID(referral_id))
        )
    return Event(
        type="case.opened",
        producer="cases",
        org_id=org_id or world.receiver.org_id,
        consortium_id=world.consortium_id,
        subject_id=case_id,
        data={
            "case_id": str(case_id),
            "person_key": str(person_key),
            "opened_at": utcnow().isoformat(),
            "fiscal_year": 2026,
            "stage": "intake",
            "origin_referral_id": referral_id,
            "age_band": "40s",
            "gender": "male",
        },
    )


def apply(world: World, event: Event) -> None:
    with world.sessions() as session:
        HANDLERS[event.type](session, event)
        session.commit()


def link(world: World, referral_id: str) -> uuid.UUID:
    case_id = uuid.uuid4()
    apply(world, case_opened(world, referral_id, case_id))
    return case_id


def test_acceptance_publishes_the_packet_and_the_person_key_for_the_cases_service(
    world: World,
) -> None:
    referral_id = drive(world, Status.ACCEPTED)
    with world.sessions() as session:
        bodies = [
            json.loads(b)
            for b in session.scalars(
                sa.select(OutboxEvent.body).where(OutboxEvent.type == "referral.accepted")
            )
        ]
        referral = session.get(Referral, uuid.UUID(referral_id))
        assert referral is not None
    (accepted,) = bodies
    assert accepted["subject_id"] == referral_id
    assert accepted["org_id"] == str(world.receiver.org_id)
    assert accepted["data"]["person_key"] == str(referral.person_key)
    assert accepted["data"]["packet"] == referral.packet
    assert accepted["data"]["to_org_id"] == str(world.receiver.org_id)
    assert accepted["data"]["status"] == "accepted"


def test_the_linked_case_appears_for_the_receiver_once_the_case_is_opened(world: World) -> None:
    referral_id = drive(world, Status.ACCEPTED)
    before = world.client.get(f"/referrals/{referral_id}", headers=world.receiver.headers()).json
    assert "linked_case_id" not in before
    case_id = link(world, referral_id)
    after = world.client.get(f"/referrals/{referral_id}", headers=world.receiver.headers()).json
    assert after["linked_case_id"] == str(case_id)
    assert after["linked_case"]["state"] == "open"
    kinds = [
        n["kind"]
        for n in world.client.get("/notifications", headers=world.receiver.headers()).json["items"]
    ]
    assert "linked_case_opened" in kinds


def test_the_same_case_opened_twice_links_once(world: World) -> None:
    referral_id = drive(world, Status.ACCEPTED)
    event = case_opened(world, referral_id, uuid.uuid4())
    apply(world, event)
    before = world.counts()
    apply(world, event)
    assert world.counts() == before


def test_a_second_case_for_the_same_referral_does_not_replace_the_first(world: World) -> None:
    referral_id = drive(world, Status.ACCEPTED)
    first = link(world, referral_id)
    link(world, referral_id)
    seen = world.client.get(f"/referrals/{referral_id}", headers=world.receiver.headers()).json
    assert seen["linked_case_id"] == str(first)


def test_a_case_opened_by_another_org_or_before_acceptance_is_not_linked(world: World) -> None:
    accepted = drive(world, Status.ACCEPTED)
    apply(world, case_opened(world, accepted, uuid.uuid4(), org_id=world.third.org_id))
    viewed = drive(world, Status.VIEWED)
    apply(world, case_opened(world, viewed, uuid.uuid4()))
    for referral_id in (accepted, viewed):
        seen = world.client.get(f"/referrals/{referral_id}", headers=world.receiver.headers()).json
        assert "linked_case_id" not in seen


def test_closing_the_linked_case_and_its_outcomes_prompt_the_receiver_to_close_the_loop(
    world: World,
) -> None:
    referral_id = drive(world, Status.ACCEPTED)
    case_id = link(world, referral_id)
    outcome = Event(
        type="outcome.recorded",
        producer="cases",
        org_id=world.receiver.org_id,
        subject_id=uuid.uuid4(),
        data={
            "outcome_id": str(uuid.uuid4()),
            "case_id": str(case_id),
            "type": "path_decided",
            "path": "employment_regular",
            "occurred_at": utcnow().isoformat(),
            "fiscal_year": 2026,
        },
    )
    apply(world, outcome)
    apply(world, outcome.__class__(**{**outcome.__dict__, "id": uuid.uuid4()}))
    closed = Event(
        type="case.closed",
        producer="cases",
        org_id=world.receiver.org_id,
        subject_id=case_id,
        data={
            "case_id": str(case_id),
            "closed_at": utcnow().isoformat(),
            "fiscal_year": 2026,
            "reason_code": "path_decided",
        },
    )
    apply(world, closed)
    seen = world.client.get(f"/referrals/{referral_id}", headers=world.receiver.headers()).json
    assert seen["linked_case"]["state"] == "closed"
    assert seen["linked_case"]["outcomes"] == ["path_decided:employment_regular"]
    kinds = [
        n["kind"]
        for n in world.client.get(
            "/notifications?referral_id=" + referral_id, headers=world.receiver.headers()
        ).json["items"]
    ]
    assert kinds.count("linked_case_outcome") == 1
    assert "linked_case_closed" in kinds
    sender_view = world.client.get(f"/referrals/{referral_id}", headers=world.sender.headers()).json
    assert "linked_case" not in sender_view
