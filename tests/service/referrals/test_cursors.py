"""Every paginated list of the referrals service refuses a tampered cursor alike."""

from __future__ import annotations

import pytest

from tests.service.cursors import BAD_CURSORS, assert_cursor_refused
from tests.service.referrals.world import World


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_tampered_cursor_is_a_field_error(world: World, cursor: str) -> None:
    referral = world.sent()["id"]
    query = {"cursor": cursor}
    for path, member, role in [
        ("/referrals", world.receiver, "staff"),
        (f"/referrals/{referral}/messages", world.receiver, "staff"),
        ("/notifications", world.receiver, "staff"),
        ("/reports/provision-ledger", world.sender, "org_admin"),
        ("/referrals/oversight", world.center, "consortium_admin"),
        ("/audit", world.sender, "org_admin"),
    ]:
        response = world.client.get(path, query_string=query, headers=member.headers(role))
        assert_cursor_refused(response)
