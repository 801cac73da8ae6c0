"""The shapes of a referral as each reader may see it. The sender sees its own case id and
consent; the receiver sees its linked case; neither sees anything the other may not."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.clock import utcnow
from common.permissions import Perm
from common.principal import Principal
from services.referrals.domain.codes import Urgency
from services.referrals.domain.next_steps import next_step
from services.referrals.domain.packets import for_reader
from services.referrals.domain.states import ACTOR_OF, Action, Side, Status, allowed_actions
from services.referrals.models import (
    CaseFact,
    Notification,
    NotificationRead,
    Referral,
    ReferralMessage,
    ReferralTransition,
)
from services.referrals.operations.common import centers_of, org_names, org_ref, sides_of

_ACTION_PERMISSION = {
    Side.RECEIVER: Perm.REFERRAL_RESPOND,
    Side.SENDER: Perm.REFERRAL_SEND,
    Side.CENTER: Perm.DECLINE_CONFIRM,
}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def actions_for(principal: Principal, referral: Referral) -> list[str]:
    """What the caller may do now, for the UI's buttons (the API still checks each one)."""
    sides = sides_of(principal, referral)
    out = []
    for action in allowed_actions(Status(referral.status), sides):
        if action in (Action.VIEW, Action.EXPIRE):
            continue
        if not principal.can(_ACTION_PERMISSION[ACTOR_OF[action]]):
            continue
        if (
            action in (Action.CONFIRM_DECLINE, Action.REJECT_DECLINE)
            and referral.decline_requested_by == principal.user_id
        ):
            continue  # the two-person rule: someone else confirms
        if action is Action.REQUEST_DECLINE:
            action = Action.DECLINE
        if action.value not in out:
            out.append(action.value)
    return out


def person_summary(packet: dict[str, Any]) -> dict[str, Any]:
    """What an inbox row shows of the person: attributes, and the name only if shared."""
    person = packet.get("person") or {}
    summary = {"age_band": person.get("age_band"), "gender": person.get("gender")}
    if "display_name" in person:
        summary["display_name"] = person["display_name"]
    return summary


def referral_summary(
    referral: Referral, principal: Principal, orgs: dict[uuid.UUID, Any], unread: int
) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": str(referral.id),
        "status": referral.status,
        "box": "incoming" if referral.to_org_id == principal.org_id else "outgoing",
        "from_org": org_ref(orgs, referral.from_org_id),
        "to_org": org_ref(orgs, referral.to_org_id),
        "urgency": referral.urgency,
        "categories": list(referral.categories),
        "basis": referral.basis,
        "anonymous": referral.basis == "anonymous",
        "person": person_summary(referral.packet),
        "respond_by": referral.respond_by.isoformat(),
        "due_at": referral.due_at.isoformat(),
        "overdue": referral.status in ("sent", "viewed") and now >= referral.due_at,
        "sent_at": referral.sent_at.isoformat(),
        "updated_at": referral.updated_at.isoformat(),
        "unread": unread > 0,
        "unread_count": unread,
    }


def unread_counts(
    session: Session, principal: Principal, referral_ids: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    if not referral_ids or principal.org_id is None:
        return {}
    read = sa.select(NotificationRead.notification_id).where(
        NotificationRead.user_id == principal.user_id
    )
    rows = session.execute(
        sa.select(Notification.referral_id, sa.func.count())
        .where(
            Notification.org_id == principal.org_id,
            Notification.referral_id.in_(referral_ids),
            Notification.id.not_in(read),
        )
        .group_by(Notification.referral_id)
    )
    return {rid: int(n) for rid, n in rows if rid is not None}


def history_of(session: Session, referral_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = session.scalars(
        sa.select(ReferralTransition)
        .where(ReferralTransition.referral_id == referral_id)
        .order_by(ReferralTransition.at, ReferralTransition.id)
    )
    return [
        {
            "status": t.to_status,
            "from_status": t.from_status,
            "action": t.action,
            "at": t.at.isoformat(),
            "org_id": str(t.actor_org_id) if t.actor_org_id else None,
            "actor_id": str(t.actor_id) if t.actor_id else None,
            "actor_name": t.actor_name,
            "reason_code": t.reason_code,
            "reason": t.reason,
        }
        for t in rows
    ]


def referral_detail(session: Session, principal: Principal, referral: Referral) -> dict[str, Any]:
    sides = sides_of(principal, referral)
    is_sender = Side.SENDER in sides
    is_receiver = Side.RECEIVER in sides
    orgs = org_names(session, [referral.from_org_id, referral.to_org_id])
    unread = unread_counts(session, principal, [referral.id]).get(referral.id, 0)
    body = referral_summary(referral, principal, orgs, unread)
    body |= {
        "role": "sender" if is_sender else "receiver",
        "reason": referral.reason,
        "exception": (
            {"code": referral.exception_code, "reason": referral.exception_reason}
            if referral.exception_code
            else None
        ),
        "obtained_via": referral.obtained_via,
        "consent_given_by": referral.consent_given_by,
        "representative_basis": referral.representative_basis,
        "support_meeting": referral.support_meeting,
        "created_by": {"id": str(referral.created_by), "name": referral.created_by_name},
        "viewed_at": _iso(referral.viewed_at),
        "answered_at": _iso(referral.answered_at),
        "packet": for_reader(
            referral.packet, may_read_sensitive=principal.can(Perm.CASE_READ_SENSITIVE)
        ),
        "history": history_of(session, referral.id),
        "decline": (
            {
                "reason_code": referral.decline_reason_code,
                "reason": referral.decline_reason,
                "awaiting_center": referral.status == Status.DECLINE_REQUESTED,
            }
            if referral.decline_reason_code
            else None
        ),
        "withdrawal": (
            {"reason_code": referral.withdraw_reason_code, "reason": referral.withdraw_reason}
            if referral.withdraw_reason_code
            else None
        ),
        "outcome": (
            {
                "code": referral.outcome,
                "note": referral.outcome_note,
                "at": _iso(referral.completed_at),
            }
            if referral.outcome
            else None
        ),
        "messages_count": session.scalar(
            sa.select(sa.func.count()).where(ReferralMessage.referral_id == referral.id)
        ),
        "allowed_actions": actions_for(principal, referral),
    }
    if is_sender:
        body["case_id"] = str(referral.case_id)
        body["consent_id"] = str(referral.consent_id) if referral.consent_id else None
        body["next_step"] = _next_step(session, referral)
    if is_receiver and referral.linked_case_id is not None:
        # The receiver's own case; the sender never learns its id.
        body["linked_case_id"] = str(referral.linked_case_id)
        fact = session.get(CaseFact, referral.linked_case_id)
        body["linked_case"] = {
            "id": str(referral.linked_case_id),
            "linked_at": _iso(referral.linked_at),
            "state": fact.state if fact else "open",
            "outcomes": list(fact.outcomes) if fact else [],
        }
    return body


def _next_step(session: Session, referral: Referral) -> dict[str, Any] | None:
    """For the sender of a referral that did not go through (domain.next_steps)."""
    centers = [c for c in centers_of(session, referral.consortium_id) if c != referral.from_org_id]
    step = next_step(Status(referral.status), Urgency(referral.urgency), center_known=bool(centers))
    if step is None:
        return None
    views = org_names(session, centers[:1])
    return {
        "code": step.code,
        "actions": list(step.actions),
        "center": org_ref(views, centers[0]) if centers else None,
    }
