"""A family association staffed by volunteers receives referrals: a volunteer its org
admin named (the ``referral_receiver`` grant) answers them; other volunteers may not."""

from __future__ import annotations

import dataclasses

from common.permissions import REFERRAL_RECEIVER
from common.testing.principals import auth_header
from tests.service.referrals.world import World


def test_a_named_volunteer_accepts_a_referral_and_an_unnamed_one_may_not(world: World) -> None:
    referral = world.sent(receiver=world.third)  # the family association
    path = f"/referrals/{referral['id']}"
    unnamed = world.third.principal("volunteer")
    refused = world.client.post(f"{path}/accept", headers=auth_header(unnamed))
    assert refused.status_code == 403
    named = dataclasses.replace(unnamed, roles=frozenset({"volunteer", REFERRAL_RECEIVER}))
    detail = world.client.get(path, headers=auth_header(named)).json
    assert "accept" in detail["allowed_actions"]
    accepted = world.client.post(f"{path}/accept", headers=auth_header(named))
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["status"] == "accepted"
