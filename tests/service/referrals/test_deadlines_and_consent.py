"""The worker's periodic job and the consent.withdrawn handler."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa

from common.clock import JST, jst_date, start_of_jst_day, utcnow
from common.messaging.envelope import Event
from services.referrals.consumers import HANDLERS
from services.referrals.domain.states import Action, Status
from services.referrals.models import ConsentFact, OutboxEvent, Referral
from services.referrals.operations.deadlines import run_deadlines
from tests.service.referrals.drive import act, drive, set_policy
from tests.service.referrals.world import World


def status_of(world: World, referral_id: str) -> str:
    with world.sessions() as session:
        return str(
            session.scalar(sa.select(Referral.status).where(Referral.id == uuid.UUID(referral_id)))
        )


def kinds(world: World, member: object) -> list[str]:
    return [
        n["kind"]
        for n in world.client.get(
            "/notifications",
            headers=member.headers(),  # type: ignore[attr-defined]
        ).json["items"]
    ]


def test_the_job_expires_referrals_past_their_day_and_tells_both_sides_and_the_center(
    world: World,
) -> None:
    today = jst_date(utcnow())
    due_today = world.sent(respond_by=today.isoformat())["id"]
    due_later = world.sent(respond_by=(today + timedelta(days=1)).isoformat())["id"]
    accepted = drive(world, Status.ACCEPTED)
    run = run_deadlines(world.sessions, now=start_of_jst_day(today + timedelta(days=1)))
    assert run.expired == 1
    assert status_of(world, due_today) == "expired"
    assert status_of(world, due_later) == "sent"
    assert status_of(world, accepted) == "accepted"
    assert "referral_expired" in kinds(world, world.center)
    with world.sessions() as session:
        assert (
            session.scalar(sa.select(sa.func.count()).where(OutboxEvent.type == "referral.expired"))
            == 1
        )
    again = run_deadlines(world.sessions, now=start_of_jst_day(today + timedelta(days=1)))
    assert again.expired == 0


def test_an_answer_after_the_day_has_passed_is_refused_even_before_the_job_runs(
    world: World, set_clock: Callable[[datetime], None]
) -> None:
    today = jst_date(utcnow())
    referral_id = world.sent(respond_by=today.isoformat())["id"]
    set_clock(start_of_jst_day(today + timedelta(days=1)).astimezone(JST))
    response = act(world, referral_id, Action.ACCEPT, world.receiver)
    assert response.status_code == 409
    assert response.json["code"] == "referral_expired"
    assert status_of(world, referral_id) == "expired"


def test_a_referral_left_unanswered_is_flagged_to_the_center_once(world: World) -> None:
    set_policy(world, unanswered_days=3)
    referral_id = world.sent()["id"]
    later = (jst_date(utcnow()) + timedelta(days=10)).isoformat()
    urgent_id = world.sent(urgency="urgent", respond_by=later)["id"]
    now = utcnow()
    assert run_deadlines(world.sessions, now=now + timedelta(days=1, minutes=1)).flagged == 1
    assert run_deadlines(world.sessions, now=now + timedelta(days=3, minutes=1)).flagged == 1
    assert run_deadlines(world.sessions, now=now + timedelta(days=4)).flagged == 0
    assert kinds(world, world.center).count("referral_unanswered") == 2
    assert "reminder" in kinds(world, world.receiver)
    flagged = world.client.get(
        "/referrals/oversight?filter=unanswered", headers=world.center.headers()
    ).json["items"]
    assert {o["id"] for o in flagged} == {referral_id, urgent_id}


def consent_withdrawn(consent_id: str) -> Event:
    return Event(
        type="consent.withdrawn",
        producer="cases",
        subject_id=uuid.UUID(consent_id),
        data={
            "consent_id": consent_id,
            "case_id": str(uuid.uuid4()),
            "withdrawn_at": utcnow().isoformat(),
        },
    )


def test_withdrawing_a_consent_stops_every_referral_relying_on_it_that_is_not_accepted(
    world: World,
) -> None:
    set_policy(world, decline_requires_center_confirmation=True)
    case_id, consent_id = world.case_with_consent(["identity", "history"], to=world.receiver)
    world.cases.consents[consent_id]["to_org_ids"].append(str(world.center.org_id))
    body = {"case_id": str(case_id), "consent_id": str(consent_id)}
    sent = world.sent(**body)["id"]
    viewed = world.sent(**body)["id"]
    world.client.get(f"/referrals/{viewed}", headers=world.receiver.headers())
    pending = world.sent(**body)["id"]
    world.client.get(f"/referrals/{pending}", headers=world.receiver.headers())
    act(world, pending, Action.DECLINE, world.receiver)
    accepted = world.sent(**body)["id"]
    act(world, accepted, Action.ACCEPT, world.receiver)
    unrelated = world.sent()["id"]

    with world.sessions() as session:
        HANDLERS["consent.withdrawn"](session, consent_withdrawn(str(consent_id)))
        session.commit()

    assert [status_of(world, r) for r in (sent, viewed, pending)] == ["withdrawn"] * 3
    assert status_of(world, accepted) == "accepted"
    assert status_of(world, unrelated) == "sent"
    assert kinds(world, world.sender).count("consent_withdrawn") == 3
    seen = world.client.get(f"/referrals/{sent}", headers=world.sender.headers()).json
    assert seen["withdrawal"]["reason_code"] == "consent_withdrawn"
    assert seen["history"][-1]["actor_id"] is None
    with world.sessions() as session:
        assert session.get(ConsentFact, consent_id).withdrawn_at is not None  # type: ignore[union-attr]


def test_a_referral_that_slipped_past_the_withdrawal_is_stopped_by_the_job(world: World) -> None:
    case_id, consent_id = world.case_with_consent()
    referral_id = world.sent(case_id=str(case_id), consent_id=str(consent_id))["id"]
    with world.sessions() as session:
        session.add(ConsentFact(consent_id=consent_id, withdrawn_at=utcnow()))
        session.commit()
    assert run_deadlines(world.sessions).withdrawn == 1
    assert status_of(world, referral_id) == "withdrawn"


def test_a_deactivated_user_is_recorded_and_their_referrals_stay_with_the_org(world: World) -> None:
    referral_id = world.sent()["id"]
    user_id = uuid.uuid4()
    event = Event(
        type="user.deactivated",
        producer="auth",
        org_id=world.sender.org_id,
        subject_id=user_id,
        data={"user_id": str(user_id)},
    )
    with world.sessions() as session:
        HANDLERS["user.deactivated"](session, event)
        session.commit()
    log = world.client.get(
        f"/audit?resource_id={user_id}", headers=world.sender.headers("org_admin")
    ).json["items"]
    assert [e["action"] for e in log] == ["user.deactivated"]
    assert status_of(world, referral_id) == "sent"
