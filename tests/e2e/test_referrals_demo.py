"""The demo seed: referrals in every state between the demo members, through the gateway."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.config import load_settings
from tests.e2e.conftest import STACK_SERVICES
from tests.e2e.stack import ADMIN_EMAIL, ADMIN_PASSWORD, Stack
from tests.support.waiting import wait_for
from tsunagu.demo import cases, referrals
from tsunagu.demo.context import DemoContext
from tsunagu.demo.identity import seed_identity

pytestmark = pytest.mark.e2e


def test_the_demo_has_referrals_in_every_state_but_expired_which_comes_at_midnight(
    tmp_path: Path,
) -> None:
    # A demo instance: the demo's published password is accepted only there.
    with Stack(tmp_path, services=STACK_SERVICES, extra_env={"TSUNAGU_DEMO": "1"}) as stack:
        ctx = DemoContext(load_settings(stack.env), ADMIN_EMAIL, ADMIN_PASSWORD)
        seed_identity(ctx)
        cases.seed(ctx)
        referrals.seed(ctx)
        made = ctx.shared["referrals"]
        assert set(made) == {key for key, *_ in referrals.REFERRALS}
        statuses = set()
        for key, user, *_ in referrals.REFERRALS:
            statuses.add(ctx.as_user(user).get(f"/referrals/{made[key]}")["status"])
        assert statuses == {
            "sent",
            "viewed",
            "accepted",
            "completed",
            "declined",
            "withdrawn",
            "decline_requested",
        }
        receiver = ctx.as_user("kagoshima.saposute.staff")
        wait_for(
            lambda: receiver.get(f"/referrals/{made['k-accepted']}").get("linked_case_id"),
            timeout=30,
            what="the demo's accepted referral to get its linked case",
        )
        center = ctx.as_user("yamanashi.center.staff")
        pending = center.get("/referrals/oversight?filter=decline_requested")["items"]
        assert [p["id"] for p in pending] == [made["y-decline-requested"]]
        due = ctx.as_user("yamanashi.line.staff").get(f"/referrals/{made['y-due-today']}")
        assert due["respond_by"] == referrals._today_jst()
