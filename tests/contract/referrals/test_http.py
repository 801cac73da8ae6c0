"""The referrals service answers every path of API.md's "Referrals" section (extended, never
renamed), documents every route in its OpenAPI document, and answers in the contract shapes."""

from __future__ import annotations

from flask import Flask

from common.http.openapi import endpoint_meta
from services.referrals.domain.states import Status
from tests.service.referrals.drive import drive
from tests.service.referrals.world import World

API_MD_REFERRALS = [
    ("post", "/referrals"),
    ("get", "/referrals"),
    ("get", "/referrals/{referral_id}"),
    ("post", "/referrals/{referral_id}/accept"),
    ("post", "/referrals/{referral_id}/decline"),
    ("post", "/referrals/{referral_id}/withdraw"),
    ("post", "/referrals/{referral_id}/complete"),
    ("get", "/referrals/{referral_id}/messages"),
    ("post", "/referrals/{referral_id}/messages"),
    ("get", "/reports/provision-ledger"),
    ("get", "/audit"),
]


def test_every_contract_path_is_in_the_openapi_document(world: World) -> None:
    document = world.client.get("/openapi.json").json
    for method, path in API_MD_REFERRALS:
        assert method in document["paths"].get(path, {}), (method, path)


def test_every_route_is_declared_for_the_openapi_document(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "healthz", "readyz", "metrics", "openapi"):
            continue
        assert endpoint_meta(app.view_functions[rule.endpoint]) is not None, rule.rule


def test_the_answers_have_the_contract_fields(world: World) -> None:
    created = world.send()
    assert created.status_code == 201
    assert created.json["status"] == "sent"
    referral_id = drive(world, Status.ACCEPTED)
    seen = world.client.get(f"/referrals/{referral_id}", headers=world.receiver.headers()).json
    assert {"id", "status", "from_org", "to_org", "reason", "packet", "history"} <= set(seen)
    assert {"status", "at", "org_id"} <= set(seen["history"][0])
    listing = world.client.get(
        "/referrals?box=incoming&status=accepted", headers=world.receiver.headers()
    ).json
    assert set(listing) == {"items", "next_cursor"}
    for path in ("/notifications", "/reports/provision-ledger"):
        assert set(world.client.get(path, headers=world.receiver.headers("org_admin")).json) == {
            "items",
            "next_cursor",
        }
