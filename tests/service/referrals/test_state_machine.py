"""Every transition the table forbids answers 409 over HTTP; the matrix is generated from
``domain.states``. The center is the receiver here, so that every action — the center's
confirmation included — has a party entitled to try it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from services.referrals.domain.states import TRANSITIONS, Action, Status
from tests.service.referrals.drive import PATHS, act, actor_for, drive
from tests.service.referrals.world import World

API_ACTIONS = list(PATHS)


def _allowed(status: Status, action: Action) -> bool:
    if action is Action.DECLINE:
        return (status, Action.DECLINE) in TRANSITIONS
    return (status, action) in TRANSITIONS


FORBIDDEN = [(s, a) for s in Status for a in API_ACTIONS if not _allowed(s, a)]
ALLOWED = [(s, a) for s in Status for a in API_ACTIONS if _allowed(s, a)]


@pytest.mark.parametrize(("status", "action"), FORBIDDEN, ids=[f"{s}-{a}" for s, a in FORBIDDEN])
def test_a_forbidden_transition_is_a_conflict_and_changes_nothing(
    world: World, set_clock: Callable[[datetime], None], status: Status, action: Action
) -> None:
    referral_id = drive(world, status, receiver=world.center, set_clock=set_clock)
    before = world.counts()
    response = act(world, referral_id, action, actor_for(world, action, world.center))
    assert response.status_code == 409, response.json
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == f"referral_{status.value}"
    assert world.counts() == before


@pytest.mark.parametrize(("status", "action"), ALLOWED, ids=[f"{s}-{a}" for s, a in ALLOWED])
def test_an_allowed_transition_moves_the_referral_and_records_who_when_and_why(
    world: World, set_clock: Callable[[datetime], None], status: Status, action: Action
) -> None:
    referral_id = drive(world, status, receiver=world.center, set_clock=set_clock)
    actor = actor_for(world, action, world.center)
    response = act(world, referral_id, action, actor)
    assert response.status_code == 200, response.json
    last = response.json["history"][-1] if "history" in response.json else None
    if last is not None:
        assert last["from_status"] == status.value
        assert last["status"] == response.json["status"]
        assert last["org_id"] == str(actor.org_id)
        assert last["actor_name"]
        assert last["at"]
