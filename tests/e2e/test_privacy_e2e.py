"""Issue 12 end to end, through the gateway, on real processes: a family member's consent is
refused for the person's data; a referral on the person's consent leaves both records with
the counterparty's address and representative; the disclosure the cases service prepares
lists them (asked of the referrals service with the admin's own token); erasure keeps the
provision records."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import new_world
from tests.e2e.referrals_world import PERSON, retry_422
from tests.e2e.stack import Stack
from tsunagu.demo.client import ApiFailure

pytestmark = pytest.mark.e2e


def test_consent_givers_records_disclosure_and_erasure(any_stack: Stack) -> None:
    world = new_world(
        any_stack, {"sender": "npo", "receiver": "support_station"}, roles=("staff", "org_admin")
    )
    sender, admin = world.user("sender.staff"), world.user("sender.org_admin")
    receiver_org = world.orgs["receiver"]
    case = sender.post("/cases", {"person": PERSON})

    def consent(given_by: str, **extra: str) -> str:
        body = {
            "to_org_ids": [receiver_org],
            "categories": ["identity", "history"],
            "method": "verbal",
            "given_by": given_by,
            "obtained_at": "2026-04-10",
        } | extra
        return str(retry_422(lambda: sender.post(f"/cases/{case['id']}/consents", body))["id"])

    referral = {
        "case_id": case["id"],
        "to_org_id": receiver_org,
        "reason": "就労準備の相談",
        "categories": ["identity", "history"],
    }
    mothers = consent("family", given_by_relationship="mother")
    with pytest.raises(ApiFailure) as refused:
        sender.post("/referrals", referral | {"consent_id": mothers})
    assert refused.value.response.status == 422
    assert "consent_given_by_family" in str(refused.value.response.json())

    sent = retry_422(lambda: sender.post("/referrals", referral | {"consent_id": consent("self")}))
    assert sent["consent_given_by"] == "self"

    disclosure = admin.get(f"/cases/{case['id']}/disclosure")
    assert disclosure["person"]["display_name"] == "山田 太郎"
    [provision] = disclosure["provisions"]
    assert provision["direction"] == "sent"
    assert provision["counterpart"]["address"]
    assert provision["counterpart"]["representative"]
    assert provision["basis"] == "consent"

    admin.post(f"/cases/{case['id']}/erase", {"reason": "本人からの申し出"})
    assert admin.get(f"/cases/{case['id']}")["person"]["display_name"] == "—"
    after = admin.get(f"/cases/{case['id']}/disclosure")
    assert len(after["provisions"]) == 1  # the law keeps the record until its retention ends
