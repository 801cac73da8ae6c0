"""Who may answer, and what each answer leaves: history, notices, events, the closed loop."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from common.clock import JST, jst_date, start_of_jst_day, utcnow
from services.referrals.domain.states import Action, Status
from services.referrals.models import OutboxEvent
from tests.service.referrals.drive import BODIES, act, drive, set_policy
from tests.service.referrals.world import World


def events_of(world: World, kind: str) -> list[dict[str, Any]]:
    with world.sessions() as session:
        return [
            json.loads(b)
            for b in session.scalars(sa.select(OutboxEvent.body).where(OutboxEvent.type == kind))
        ]


def notices(world: World, member: Any, **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = world.client.get(
        "/notifications", query_string=params, headers=member.headers()
    ).json["items"]
    return items


def test_the_receivers_first_look_marks_it_viewed_once_and_tells_the_sender(world: World) -> None:
    referral_id = drive(world, Status.SENT)
    assert (
        world.client.get(f"/referrals/{referral_id}", headers=world.sender.headers()).json["status"]
        == "sent"
    )
    first = world.client.get(f"/referrals/{referral_id}", headers=world.receiver.headers()).json
    again = world.client.get(f"/referrals/{referral_id}", headers=world.receiver.headers()).json
    assert first["status"] == again["status"] == "viewed"
    assert [h["status"] for h in again["history"]] == ["sent", "viewed"]
    assert len(events_of(world, "referral.viewed")) == 1
    assert [n["status"] for n in notices(world, world.sender)] == ["viewed"]


def test_only_the_receiver_answers_and_only_with_the_right_role(world: World) -> None:
    referral_id = drive(world, Status.SENT)
    for action in (Action.ACCEPT, Action.DECLINE):
        assert act(world, referral_id, action, world.sender).status_code == 403
    assert act(world, referral_id, Action.WITHDRAW, world.receiver).status_code == 403
    for role in ("volunteer", "viewer"):
        response = world.client.post(
            f"/referrals/{referral_id}/accept", headers=world.receiver.headers(role)
        )
        assert response.status_code == 403
    assert (
        world.client.post(
            f"/referrals/{referral_id}/withdraw",
            json=BODIES[Action.WITHDRAW],
            headers=world.sender.headers("viewer"),
        ).status_code
        == 403
    )


def test_accepting_tells_the_sender_and_publishes_one_accepted_event(world: World) -> None:
    referral_id = drive(world, Status.VIEWED)
    response = act(world, referral_id, Action.ACCEPT, world.receiver)
    assert response.status_code == 200
    assert response.json["status"] == "accepted"
    assert response.json["answered_at"]
    assert len(events_of(world, "referral.accepted")) == 1
    assert "accepted" in [n["status"] for n in notices(world, world.sender)]
    sender_view = world.client.get(f"/referrals/{referral_id}", headers=world.sender.headers()).json
    assert sender_view["status"] == "accepted"


def test_a_decline_carries_its_reason_back_to_the_sender(world: World) -> None:
    referral_id = drive(world, Status.VIEWED)
    response = act(world, referral_id, Action.DECLINE, world.receiver)
    assert response.json["status"] == "declined"
    (event,) = events_of(world, "referral.declined")
    assert event["data"]["reason_code"] == "no_capacity"
    assert "定員" not in json.dumps(event)  # free text never travels on the queue
    seen = world.client.get(f"/referrals/{referral_id}", headers=world.sender.headers()).json
    assert seen["decline"] == {
        "reason_code": "no_capacity",
        "reason": "定員に達しているため",
        "awaiting_center": False,
    }
    assert seen["history"][-1]["reason"] == "定員に達しているため"


def test_completion_closes_the_loop_with_an_outcome_and_a_note_for_the_sender(world: World) -> None:
    referral_id = drive(world, Status.ACCEPTED)
    response = act(world, referral_id, Action.COMPLETE, world.receiver)
    assert response.json["status"] == "completed"
    (event,) = events_of(world, "referral.completed")
    assert event["data"]["outcome"] == "got_help"
    seen = world.client.get(f"/referrals/{referral_id}", headers=world.sender.headers()).json
    assert seen["outcome"]["code"] == "got_help"
    assert seen["outcome"]["note"] == "グループプログラムに3回参加"
    assert "referral_completed" in [n["kind"] for n in notices(world, world.sender)]


def test_completion_without_an_outcome_code_is_recorded_as_other(world: World) -> None:
    referral_id = drive(world, Status.ACCEPTED)
    response = world.client.post(
        f"/referrals/{referral_id}/complete",
        json={"outcome_note": "連絡がつかず"},
        headers=world.receiver.headers(),
    )
    assert response.json["outcome"]["code"] == "other"


def test_withdrawal_tells_the_receiver(world: World) -> None:
    referral_id = drive(world, Status.VIEWED)
    response = act(world, referral_id, Action.WITHDRAW, world.sender)
    assert response.json["status"] == "withdrawn"
    assert events_of(world, "referral.withdrawn")[0]["data"]["reason_code"] == "person_request"
    assert "withdrawn" in [n["status"] for n in notices(world, world.receiver)]


def test_the_buttons_offered_match_the_callers_side_and_role(world: World) -> None:
    referral_id = drive(world, Status.VIEWED)
    as_receiver = world.client.get(f"/referrals/{referral_id}", headers=world.receiver.headers())
    assert as_receiver.json["allowed_actions"] == ["accept", "decline"]
    as_sender = world.client.get(f"/referrals/{referral_id}", headers=world.sender.headers())
    assert as_sender.json["allowed_actions"] == ["withdraw"]
    as_viewer = world.client.get(
        f"/referrals/{referral_id}", headers=world.receiver.headers("viewer")
    )
    assert as_viewer.json["allowed_actions"] == []


# --- the two-person rule ---------------------------------------------------------------


def test_with_the_two_person_rule_a_decline_waits_for_the_center(world: World) -> None:
    set_policy(world, decline_requires_center_confirmation=True)
    referral_id = drive(world, Status.VIEWED)
    response = act(world, referral_id, Action.DECLINE, world.receiver)
    assert response.json["status"] == "decline_requested"
    assert response.json["decline"]["awaiting_center"] is True
    assert events_of(world, "referral.declined") == []
    assert [n["kind"] for n in notices(world, world.center)] == ["decline_confirmation_requested"]
    oversight = world.client.get(
        "/referrals/oversight?filter=decline_requested", headers=world.center.headers()
    ).json["items"]
    assert [o["id"] for o in oversight] == [referral_id]
    assert oversight[0]["decline"]["reason"] == "定員に達しているため"
    assert "packet" not in oversight[0]
    assert "reason" not in oversight[0]

    confirmed = act(world, referral_id, Action.CONFIRM_DECLINE, world.center)
    assert confirmed.status_code == 200
    assert confirmed.json["status"] == "declined"
    assert "packet" not in confirmed.json  # the center is not a party
    (event,) = events_of(world, "referral.declined")
    assert event["org_id"] == str(world.center.org_id)
    seen = world.client.get(f"/referrals/{referral_id}", headers=world.sender.headers()).json
    assert [h["status"] for h in seen["history"]] == [
        "sent",
        "viewed",
        "decline_requested",
        "declined",
    ]
    assert seen["history"][-1]["org_id"] == str(world.center.org_id)


def test_the_center_may_send_a_decline_back_and_the_receiver_gets_time_to_answer(
    world: World, set_clock: Callable[[datetime], None]
) -> None:
    set_policy(world, decline_requires_center_confirmation=True, urgent_respond_days=2)
    today = jst_date(utcnow())
    referral_id = world.sent(respond_by=today.isoformat())["id"]
    world.client.get(f"/referrals/{referral_id}", headers=world.receiver.headers())
    act(world, referral_id, Action.DECLINE, world.receiver)
    later = start_of_jst_day(today + timedelta(days=3)).astimezone(JST)
    set_clock(later)
    rejected = act(world, referral_id, Action.REJECT_DECLINE, world.center)
    assert rejected.json["status"] == "viewed"
    seen = world.client.get(f"/referrals/{referral_id}", headers=world.receiver.headers()).json
    assert seen["status"] == "viewed"
    assert seen["respond_by"] == (today + timedelta(days=5)).isoformat()
    assert seen["decline"] is None
    assert "decline_rejected" in [n["kind"] for n in notices(world, world.receiver)]
    assert act(world, referral_id, Action.ACCEPT, world.receiver).status_code == 200


def test_the_person_who_declined_may_not_confirm_it_even_at_the_center(world: World) -> None:
    set_policy(world, decline_requires_center_confirmation=True)
    referral_id = world.sent(receiver=world.center)["id"]
    decliner = world.center.principal()
    from common.testing.principals import auth_header

    world.client.post(
        f"/referrals/{referral_id}/decline",
        json=BODIES[Action.DECLINE],
        headers=auth_header(decliner),
    )
    self_confirm = world.client.post(
        f"/referrals/{referral_id}/decline/confirm", json={}, headers=auth_header(decliner)
    )
    assert self_confirm.status_code == 403
    other = act(world, referral_id, Action.CONFIRM_DECLINE, world.center)
    assert other.status_code == 200
    assert other.json["status"] == "declined"


def test_a_member_that_is_not_the_center_cannot_confirm_a_decline(world: World) -> None:
    set_policy(world, decline_requires_center_confirmation=True)
    referral_id = drive(world, Status.DECLINE_REQUESTED)
    assert act(world, referral_id, Action.CONFIRM_DECLINE, world.third).status_code == 404
    # A party without the permission is refused as such.
    assert act(world, referral_id, Action.CONFIRM_DECLINE, world.sender).status_code == 403
    assert (
        world.client.get("/referrals/oversight", headers=world.third.headers()).status_code == 403
    )
