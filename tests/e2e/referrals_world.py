"""Setting up a referral end to end through the gateway: a consortium with a sender and a
receiver, a case with a consent, and waiting for the services to hear of the new orgs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from tests.e2e.helpers import World, new_world
from tests.e2e.stack import Stack
from tsunagu.demo.client import ApiFailure, GatewayClient

PERSON = {
    "display_name": "山田 太郎",
    "kana": "やまだ たろう",
    "birth_year": 1982,
    "gender": "male",
    "municipality": "甲府市",
}


def retry_422(call: Any, timeout: float = 30.0) -> Any:
    """Retry while a service's org directory has not yet heard of a new org (422)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except ApiFailure as failure:
            if failure.response.status != 422 or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@dataclass
class ReferralWorld:
    world: World
    sender: GatewayClient
    receiver: GatewayClient

    @property
    def receiver_org(self) -> str:
        return self.world.orgs["receiver"]

    def case_with_consent(
        self, categories: tuple[str, ...] = ("identity", "history")
    ) -> tuple[str, str]:
        case = self.sender.post(
            "/cases",
            {
                "person": PERSON,
                "first_contact": {
                    "channel": "phone",
                    "by": "family",
                    "occurred_at": "2026-04-10T10:00:00+09:00",
                    "summary": "母から相談",
                },
            },
        )
        consent = retry_422(
            lambda: self.sender.post(
                f"/cases/{case['id']}/consents",
                {
                    "to_org_ids": [self.receiver_org],
                    "categories": list(categories),
                    "method": "written",
                    "given_by": "self",
                    "obtained_at": "2026-04-10",
                },
            )
        )
        return str(case["id"]), str(consent["id"])

    def send(self, case_id: str, consent_id: str, **extra: Any) -> dict[str, Any]:
        body = {
            "case_id": case_id,
            "to_org_id": self.receiver_org,
            "reason": "集団支援プログラムへの参加を希望",
            "categories": ["identity", "history"],
            "consent_id": consent_id,
        } | extra
        sent: dict[str, Any] = retry_422(lambda: self.sender.post("/referrals", body))
        return sent


def referral_world(stack: Stack) -> ReferralWorld:
    world = new_world(stack, {"sender": "npo", "receiver": "support_station"})
    return ReferralWorld(world, world.user("sender.staff"), world.user("receiver.staff"))
