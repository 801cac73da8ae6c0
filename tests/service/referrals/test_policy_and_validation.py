from __future__ import annotations

import uuid

import pytest

from services.referrals.domain.states import Status
from tests.service.referrals.drive import drive
from tests.service.referrals.world import World


def test_every_member_reads_the_policy_and_only_the_consortium_admin_sets_it(world: World) -> None:
    policy = world.client.get("/referral-policy", headers=world.sender.headers()).json
    assert policy["decline_requires_center_confirmation"] is False
    assert policy["unanswered_days"] == 7
    assert policy["editable"] is False
    refused = world.client.put(
        "/referral-policy", json={"unanswered_days": 3}, headers=world.sender.headers("org_admin")
    )
    assert refused.status_code == 403
    changed = world.client.put(
        "/referral-policy",
        json={"decline_requires_center_confirmation": True, "unanswered_days": 3},
        headers=world.center.headers("consortium_admin"),
    )
    assert changed.status_code == 200
    assert changed.json["decline_requires_center_confirmation"] is True
    assert changed.json["default_respond_days"] == 14
    again = world.client.get("/referral-policy", headers=world.receiver.headers()).json
    assert again["unanswered_days"] == 3
    elsewhere = world.client.get("/referral-policy", headers=world.outsider.headers()).json
    assert elsewhere["unanswered_days"] == 7


BAD_BODIES = [
    ("/referrals", {}, {"case_id", "to_org_id", "reason"}),
    ("/referrals", {"case_id": "nope", "to_org_id": str(uuid.uuid4()), "reason": "x"}, {"case_id"}),
    (
        "/referrals",
        {
            "case_id": str(uuid.uuid4()),
            "to_org_id": str(uuid.uuid4()),
            "reason": "x",
            "categories": ["identity", "gossip"],
            "urgency": "asap",
            "anonymous": "perhaps",
        },
        {"categories.1", "urgency", "anonymous"},
    ),
    (
        "/referrals",
        {
            "case_id": str(uuid.uuid4()),
            "to_org_id": str(uuid.uuid4()),
            "reason": "x",
            "categories": ["identity", "identity"],
            "respond_by": "someday",
            "spy": True,
        },
        {"categories", "respond_by", "spy"},
    ),
    ("/referrals/{id}/decline", {"reason": "", "reason_code": "bored"}, {"reason", "reason_code"}),
    (
        "/referrals/{id}/withdraw",
        {"reason": "x", "reason_code": "consent_withdrawn"},
        {"reason_code"},
    ),
    ("/referrals/{id}/complete", {"outcome": "great"}, {"outcome", "outcome_note"}),
    ("/referrals/{id}/messages", {"body": ""}, {"body"}),
    ("/referrals/{id}/decline/reject", {}, {"reason"}),
]


@pytest.mark.parametrize(("path", "body", "fields"), BAD_BODIES)
def test_bad_input_is_a_422_problem_with_field_errors_and_writes_nothing(
    world: World, path: str, body: dict[str, object], fields: set[str]
) -> None:
    referral_id = drive(world, Status.VIEWED)
    before = world.counts()
    response = world.client.post(
        path.replace("{id}", referral_id), json=body, headers=world.receiver.headers()
    )
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert {e["field"] for e in response.json["errors"]} == fields
    assert world.counts() == before


def test_a_body_that_is_not_json_is_a_422(world: World) -> None:
    response = world.client.post(
        "/referrals", data="{", content_type="application/json", headers=world.sender.headers()
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["code"] == "json_invalid"


@pytest.mark.parametrize(
    "query",
    ["box=sideways", "status=lost", "limit=0", "limit=500", "urgency=whenever", "cursor=%%%"],
)
def test_bad_list_queries_are_422(world: World, query: str) -> None:
    response = world.client.get(f"/referrals?{query}", headers=world.sender.headers())
    assert response.status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {"unanswered_days": 0},
        {"default_respond_days": 1000},
        {"decline_requires_center_confirmation": "maybe"},
    ],
)
def test_a_bad_policy_is_a_422(world: World, body: dict[str, object]) -> None:
    response = world.client.put(
        "/referral-policy", json=body, headers=world.center.headers("consortium_admin")
    )
    assert response.status_code == 422


def test_a_request_without_a_principal_token_is_refused_by_the_service_itself(world: World) -> None:
    assert world.client.get("/referrals").status_code == 401
    assert world.client.post("/referrals", json={}).status_code == 401


def test_a_suspended_orgs_principals_are_refused(world: World) -> None:
    response = world.client.get("/referrals", headers=world.suspended.headers())
    assert response.status_code == 401
    assert response.json["code"] == "org_suspended"
