"""Declining an urgent referral is consequential (the person may be at risk: an urgent
referral is how a sender says so). It needs a reason, goes to the consortium's center —
which must confirm it or send it back, whatever the two-person policy says — and the
sender is told what to do next."""

from __future__ import annotations

import dataclasses

from services.referrals.domain.states import Action, Status
from tests.service.referrals.drive import act
from tests.service.referrals.test_responding import events_of, notices
from tests.service.referrals.world import World, org_event

DECLINE = {"reason": "定員に達しているため", "reason_code": "no_capacity"}


def urgent(world: World) -> str:
    referral_id: str = world.sent(urgency="urgent")["id"]
    world.client.get(f"/referrals/{referral_id}", headers=world.receiver.headers())
    return referral_id


def test_declining_an_urgent_referral_escalates_it_to_the_center(world: World) -> None:
    referral_id = urgent(world)
    response = world.client.post(
        f"/referrals/{referral_id}/decline", json=DECLINE, headers=world.receiver.headers()
    )
    assert response.status_code == 200, response.json
    assert response.json["status"] == "decline_requested"
    assert events_of(world, "referral.declined") == []
    assert [n["kind"] for n in notices(world, world.center)] == ["urgent_decline_escalated"]
    seen = world.client.get(f"/referrals/{referral_id}", headers=world.sender.headers()).json
    assert seen["next_step"]["code"] == "center_reviewing"
    assert seen["next_step"]["center"]["name"] == world.center.name
    assert "new_referral" in seen["next_step"]["actions"]


def test_an_urgent_decline_needs_a_reason(world: World) -> None:
    referral_id = urgent(world)
    for body in ({}, {"reason": "   "}, {"reason_code": "no_capacity"}):
        refused = world.client.post(
            f"/referrals/{referral_id}/decline", json=body, headers=world.receiver.headers()
        )
        assert refused.status_code == 422
        assert "reason" in [e["field"] for e in refused.json["errors"]]
    detail = world.client.get(f"/referrals/{referral_id}", headers=world.receiver.headers()).json
    assert detail["status"] == "viewed"


def test_once_the_center_confirms_the_sender_is_told_where_to_turn(world: World) -> None:
    referral_id = urgent(world)
    world.client.post(
        f"/referrals/{referral_id}/decline", json=DECLINE, headers=world.receiver.headers()
    )
    assert act(world, referral_id, Action.CONFIRM_DECLINE, world.center).status_code == 200
    seen = world.client.get(f"/referrals/{referral_id}", headers=world.sender.headers()).json
    assert seen["status"] == "declined"
    assert seen["next_step"]["code"] == "refer_elsewhere_urgently"
    assert seen["next_step"]["center"]["id"] == str(world.center.org_id)
    assert "urgent_declined" in [n["kind"] for n in notices(world, world.sender)]


def test_a_normal_decline_is_immediate_and_suggests_referring_elsewhere(world: World) -> None:
    referral_id = world.sent()["id"]
    response = world.client.post(
        f"/referrals/{referral_id}/decline", json=DECLINE, headers=world.receiver.headers()
    )
    assert response.json["status"] == "declined"
    seen = world.client.get(f"/referrals/{referral_id}", headers=world.sender.headers()).json
    assert seen["next_step"]["code"] == "refer_elsewhere"
    assert notices(world, world.center) == []


def test_without_an_active_center_an_urgent_decline_stands_and_the_sender_is_warned(
    world: World,
) -> None:
    from common.orgdirectory import apply_org_event
    from services.referrals.models import OrgDirectoryEntry

    with world.sessions() as session:
        event = org_event(world.center, "prefectural_center", "suspended")
        apply_org_event(
            session, OrgDirectoryEntry, dataclasses.replace(event, type="org.suspended")
        )
        session.commit()
    referral_id = urgent(world)
    response = world.client.post(
        f"/referrals/{referral_id}/decline", json=DECLINE, headers=world.receiver.headers()
    )
    assert response.json["status"] == Status.DECLINED
    seen = world.client.get(f"/referrals/{referral_id}", headers=world.sender.headers()).json
    assert seen["next_step"]["code"] == "refer_elsewhere_urgently"
    assert seen["next_step"]["center"] is None
    assert "urgent_declined" in [n["kind"] for n in notices(world, world.sender)]
