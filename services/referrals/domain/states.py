"""The referral state machine (API.md "Referrals"): one table says which action moves which
status where, and which side of the referral may take it. Everything else is derived."""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType

from common.errors import Conflict


class Status(StrEnum):
    SENT = "sent"  # 送付済み
    VIEWED = "viewed"  # 既読
    DECLINE_REQUESTED = "decline_requested"  # 辞退確認待ち（センターの確認が要る）
    ACCEPTED = "accepted"  # 受入
    COMPLETED = "completed"  # 完了（結果を返した）
    DECLINED = "declined"  # 辞退
    WITHDRAWN = "withdrawn"  # 取下げ
    EXPIRED = "expired"  # 期限切れ


class Action(StrEnum):
    VIEW = "view"
    ACCEPT = "accept"
    DECLINE = "decline"
    REQUEST_DECLINE = "request_decline"
    CONFIRM_DECLINE = "confirm_decline"
    REJECT_DECLINE = "reject_decline"
    WITHDRAW = "withdraw"
    COMPLETE = "complete"
    EXPIRE = "expire"


class Side(StrEnum):
    """Who stands where: the two parties, the consortium's center and the clock."""

    SENDER = "sender"
    RECEIVER = "receiver"
    CENTER = "center"
    SYSTEM = "system"


TRANSITIONS: MappingProxyType[tuple[Status, Action], Status] = MappingProxyType(
    {
        (Status.SENT, Action.VIEW): Status.VIEWED,
        (Status.SENT, Action.ACCEPT): Status.ACCEPTED,
        (Status.VIEWED, Action.ACCEPT): Status.ACCEPTED,
        (Status.SENT, Action.DECLINE): Status.DECLINED,
        (Status.VIEWED, Action.DECLINE): Status.DECLINED,
        (Status.SENT, Action.REQUEST_DECLINE): Status.DECLINE_REQUESTED,
        (Status.VIEWED, Action.REQUEST_DECLINE): Status.DECLINE_REQUESTED,
        (Status.DECLINE_REQUESTED, Action.CONFIRM_DECLINE): Status.DECLINED,
        # The center sends the referral back to the receiver, who must answer again.
        (Status.DECLINE_REQUESTED, Action.REJECT_DECLINE): Status.VIEWED,
        (Status.SENT, Action.WITHDRAW): Status.WITHDRAWN,
        (Status.VIEWED, Action.WITHDRAW): Status.WITHDRAWN,
        (Status.DECLINE_REQUESTED, Action.WITHDRAW): Status.WITHDRAWN,
        (Status.SENT, Action.EXPIRE): Status.EXPIRED,
        (Status.VIEWED, Action.EXPIRE): Status.EXPIRED,
        (Status.ACCEPTED, Action.COMPLETE): Status.COMPLETED,
    }
)
"""(current status, action) → next status. A pair that is not here is a 409."""

ACTOR_OF: MappingProxyType[Action, Side] = MappingProxyType(
    {
        Action.VIEW: Side.RECEIVER,
        Action.ACCEPT: Side.RECEIVER,
        Action.DECLINE: Side.RECEIVER,
        Action.REQUEST_DECLINE: Side.RECEIVER,
        Action.COMPLETE: Side.RECEIVER,
        Action.WITHDRAW: Side.SENDER,
        Action.CONFIRM_DECLINE: Side.CENTER,
        Action.REJECT_DECLINE: Side.CENTER,
        Action.EXPIRE: Side.SYSTEM,
    }
)
"""The only side that may take each action."""

TERMINAL: frozenset[Status] = frozenset(
    {Status.COMPLETED, Status.DECLINED, Status.WITHDRAWN, Status.EXPIRED}
)
AWAITING_ANSWER: frozenset[Status] = frozenset({Status.SENT, Status.VIEWED})
"""The receiver has not answered yet: these expire, and are flagged when left too long."""
OPEN_FOR_MESSAGES: frozenset[Status] = frozenset(
    {
        Status.SENT,
        Status.VIEWED,
        Status.DECLINE_REQUESTED,
        Status.ACCEPTED,
        Status.COMPLETED,
    }
)
"""A thread stays open while the hand-off is alive or done; after a decline, withdrawal or
expiry nothing more about the person should travel between the two orgs."""


def next_status(current: Status, action: Action) -> Status:
    """The status ``action`` leads to from ``current``; Conflict (409) if the table forbids it."""
    target = TRANSITIONS.get((current, action))
    if target is None:
        raise Conflict(
            f"A referral that is {current.value} cannot be {_PAST[action]}",
            code=f"referral_{current.value}",
        )
    return target


def allowed_actions(current: Status, sides: frozenset[Side]) -> list[Action]:
    """The actions the table allows now to someone standing on ``sides``."""
    return [
        action
        for (status, action) in TRANSITIONS
        if status == current and ACTOR_OF[action] in sides
    ]


def forbidden_pairs() -> list[tuple[Status, Action]]:
    """Every (status, action) the table refuses: the 409 matrix tests are generated from it."""
    return [(s, a) for s in Status for a in Action if (s, a) not in TRANSITIONS]


_PAST = {
    Action.VIEW: "viewed",
    Action.ACCEPT: "accepted",
    Action.DECLINE: "declined",
    Action.REQUEST_DECLINE: "declined",
    Action.CONFIRM_DECLINE: "confirmed as declined",
    Action.REJECT_DECLINE: "sent back to the receiver",
    Action.WITHDRAW: "withdrawn",
    Action.COMPLETE: "completed",
    Action.EXPIRE: "expired",
}
