from __future__ import annotations

import pytest

from common.errors import Conflict
from services.referrals.domain.states import (
    ACTOR_OF,
    TERMINAL,
    TRANSITIONS,
    Action,
    Side,
    Status,
    allowed_actions,
    forbidden_pairs,
    next_status,
)


@pytest.mark.parametrize(("status", "action"), list(TRANSITIONS))
def test_every_transition_in_the_table_leads_where_the_table_says(
    status: Status, action: Action
) -> None:
    assert next_status(status, action) is TRANSITIONS[(status, action)]


@pytest.mark.parametrize(("status", "action"), forbidden_pairs())
def test_every_pair_missing_from_the_table_is_a_conflict(status: Status, action: Action) -> None:
    with pytest.raises(Conflict) as caught:
        next_status(status, action)
    assert caught.value.status == 409
    assert caught.value.code == f"referral_{status.value}"


def test_the_api_path_sent_viewed_accepted_completed_is_allowed() -> None:
    status = Status.SENT
    for action in (Action.VIEW, Action.ACCEPT, Action.COMPLETE):
        status = next_status(status, action)
    assert status is Status.COMPLETED


@pytest.mark.parametrize("status", sorted(TERMINAL))
def test_nothing_leaves_a_terminal_status(status: Status) -> None:
    assert allowed_actions(status, frozenset(Side)) == []


def test_declined_and_withdrawn_are_reachable_from_sent_and_viewed_only() -> None:
    for target in (Status.DECLINED, Status.WITHDRAWN):
        sources = {
            s
            for (s, a), t in TRANSITIONS.items()
            if t is target and a is not Action.CONFIRM_DECLINE
        }
        assert sources <= {Status.SENT, Status.VIEWED, Status.DECLINE_REQUESTED}
        assert {Status.SENT, Status.VIEWED} <= sources


def test_only_an_unanswered_referral_expires() -> None:
    assert {s for (s, a) in TRANSITIONS if a is Action.EXPIRE} == {Status.SENT, Status.VIEWED}


def test_only_the_receiver_answers_and_only_the_sender_withdraws() -> None:
    for action in (Action.ACCEPT, Action.DECLINE, Action.REQUEST_DECLINE, Action.COMPLETE):
        assert ACTOR_OF[action] is Side.RECEIVER
    assert ACTOR_OF[Action.WITHDRAW] is Side.SENDER
    assert ACTOR_OF[Action.CONFIRM_DECLINE] is Side.CENTER
    assert ACTOR_OF[Action.EXPIRE] is Side.SYSTEM


def test_the_sender_may_only_withdraw_an_open_referral() -> None:
    assert allowed_actions(Status.VIEWED, frozenset({Side.SENDER})) == [Action.WITHDRAW]
    assert allowed_actions(Status.ACCEPTED, frozenset({Side.SENDER})) == []


def test_the_center_sends_a_rejected_decline_back_to_the_receiver() -> None:
    assert next_status(Status.DECLINE_REQUESTED, Action.REJECT_DECLINE) is Status.VIEWED
    assert next_status(Status.DECLINE_REQUESTED, Action.CONFIRM_DECLINE) is Status.DECLINED
