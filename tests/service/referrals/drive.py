"""Bringing a referral into any status through the API, for the matrix tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from common.clock import JST, jst_date, start_of_jst_day, utcnow
from services.referrals.domain.states import Action, Status
from tests.service.referrals.world import Member, World

BODIES: dict[Action, dict[str, Any]] = {
    Action.ACCEPT: {},
    Action.DECLINE: {"reason": "定員に達しているため", "reason_code": "no_capacity"},
    Action.CONFIRM_DECLINE: {"reason": "確認しました"},
    Action.REJECT_DECLINE: {"reason": "別の受入方法を検討してください"},
    Action.WITHDRAW: {"reason": "本人の希望により", "reason_code": "person_request"},
    Action.COMPLETE: {"outcome": "got_help", "outcome_note": "グループプログラムに3回参加"},
}
PATHS: dict[Action, str] = {
    Action.ACCEPT: "accept",
    Action.DECLINE: "decline",
    Action.CONFIRM_DECLINE: "decline/confirm",
    Action.REJECT_DECLINE: "decline/reject",
    Action.WITHDRAW: "withdraw",
    Action.COMPLETE: "complete",
}


def consortium_admin(world: World) -> Member:
    return world.center


def set_policy(world: World, **policy: Any) -> None:
    response = world.client.put(
        "/referral-policy", json=policy, headers=world.center.headers("consortium_admin")
    )
    assert response.status_code == 200, response.json


def act(world: World, referral_id: str, action: Action, actor: Member) -> Any:
    return world.client.post(
        f"/referrals/{referral_id}/{PATHS[action]}", json=BODIES[action], headers=actor.headers()
    )


def actor_for(world: World, action: Action, receiver: Member) -> Member:
    if action is Action.WITHDRAW:
        return world.sender
    if action in (Action.CONFIRM_DECLINE, Action.REJECT_DECLINE):
        return world.center
    return receiver


def drive(
    world: World, status: Status, *, receiver: Member | None = None, set_clock: Any = None
) -> str:
    """A referral from the sender to ``receiver`` (default: the receiver) in ``status``."""
    receiver = receiver or world.receiver
    if status is Status.EXPIRED:
        today = jst_date(utcnow())
        referral = world.sent(receiver=receiver, respond_by=today.isoformat())
        assert set_clock is not None, "expiry needs the clock"
        set_clock(start_of_jst_day(today + timedelta(days=1)).astimezone(JST))
        assert (
            world.client.get(f"/referrals/{referral['id']}", headers=world.sender.headers()).json[
                "status"
            ]
            == "expired"
        )
        set_clock(utcnow())
        return str(referral["id"])
    referral_id = str(world.sent(receiver=receiver)["id"])

    def step(action: Action) -> None:
        response = act(world, referral_id, action, actor_for(world, action, receiver))
        assert response.status_code == 200, response.json

    if status is Status.SENT:
        return referral_id
    world.client.get(f"/referrals/{referral_id}", headers=receiver.headers())
    if status is Status.VIEWED:
        return referral_id
    if status is Status.DECLINE_REQUESTED:
        set_policy(world, decline_requires_center_confirmation=True)
        step(Action.DECLINE)
        set_policy(world, decline_requires_center_confirmation=False)
        return referral_id
    if status is Status.DECLINED:
        step(Action.DECLINE)
    elif status is Status.WITHDRAWN:
        step(Action.WITHDRAW)
    else:
        step(Action.ACCEPT)
        if status is Status.COMPLETED:
            step(Action.COMPLETE)
    return referral_id
