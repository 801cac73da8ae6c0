"""A third org gets 404 on every referral route, whatever the referral's status; the matrix
is generated from the app's URL map, so a new route is covered the day it is added."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask

from common.http.openapi import endpoint_meta
from services.referrals import schemas
from services.referrals.domain.states import Status
from tests.service.referrals.drive import drive
from tests.service.referrals.world import Member, World

SAMPLE_BODIES: dict[type, dict[str, Any]] = {
    schemas.Decline: {"reason": "定員のため"},
    schemas.Withdraw: {"reason": "本人の希望"},
    schemas.Complete: {"outcome_note": "支援につながった", "outcome": "got_help"},
    schemas.CenterDecision: {},
    schemas.RejectDecline: {"reason": "再検討を"},
    schemas.MessageCreate: {"body": "ご連絡ありがとうございます"},
}


def referral_routes(app: Flask) -> list[tuple[str, str, dict[str, Any] | None]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if "referral_id" not in rule.arguments:
            continue
        meta = endpoint_meta(app.view_functions[rule.endpoint])
        assert meta is not None, f"{rule.rule} is not declared with @endpoint"
        body = None
        if meta.body is not None:
            assert meta.body in SAMPLE_BODIES, f"add a sample body for {meta.body.__name__}"
            body = SAMPLE_BODIES[meta.body]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, rule.rule.replace("<uuid:referral_id>", "{id}"), body))
    return routes


def test_the_matrix_covers_every_referral_route(app: Flask) -> None:
    paths = {(m, p) for m, p, _ in referral_routes(app)}
    assert ("GET", "/referrals/{id}") in paths
    assert ("POST", "/referrals/{id}/accept") in paths
    assert ("POST", "/referrals/{id}/decline/confirm") in paths
    assert ("GET", "/referrals/{id}/messages") in paths
    assert len(paths) >= 9


def _call(world: World, member: Member, method: str, path: str, body: Any, referral_id: str) -> Any:
    return world.client.open(
        path.replace("{id}", referral_id), method=method, json=body, headers=member.headers()
    )


@pytest.mark.parametrize("status", [Status.SENT, Status.ACCEPTED, Status.DECLINE_REQUESTED])
@pytest.mark.parametrize("who", ["third", "outsider", "admin_of_third"])
def test_a_third_org_gets_404_on_every_referral_route_and_changes_nothing(
    app: Flask, world: World, status: Status, who: str
) -> None:
    referral_id = drive(world, status)
    member = world.outsider if who == "outsider" else world.third
    role = "org_admin" if who == "admin_of_third" else "staff"
    before = world.counts()
    refusals_before = world.refusals_audited(member)
    routes = referral_routes(app)
    for method, path, body in routes:
        response = world.client.open(
            path.replace("{id}", referral_id),
            method=method,
            json=body,
            headers=member.headers(role),
        )
        assert response.status_code == 404, (method, path, response.json)
        assert response.mimetype == "application/problem+json"
    assert world.counts() == before
    # Each refusal is written to the refused caller's own org's log (DESIGN §3).
    assert world.refusals_audited(member) == refusals_before + len(routes)


def test_an_unknown_id_is_404_too_and_looks_the_same(app: Flask, world: World) -> None:
    referral_id = drive(world, Status.SENT)
    for method, path, body in referral_routes(app):
        theirs = _call(world, world.third, method, path, body, referral_id)
        unknown = _call(world, world.sender, method, path, body, str(uuid.uuid4()))
        assert theirs.status_code == unknown.status_code == 404
        assert theirs.json["detail"] == unknown.json["detail"]


def test_the_center_is_a_third_org_except_to_confirm_a_requested_decline(
    app: Flask, world: World
) -> None:
    pending = drive(world, Status.DECLINE_REQUESTED)
    sent = drive(world, Status.SENT)
    for method, path, body in referral_routes(app):
        response = _call(world, world.center, method, path, body, sent)
        assert response.status_code == 404, (method, path)
        if "/decline/" in path:
            continue
        response = _call(world, world.center, method, path, body, pending)
        assert response.status_code == 404, (method, path)


def test_lists_and_notifications_show_only_my_orgs_referrals(world: World) -> None:
    drive(world, Status.SENT)
    for member in (world.third, world.outsider, world.center):
        listing = world.client.get("/referrals", headers=member.headers()).json
        assert listing["items"] == []
        notices = world.client.get("/notifications", headers=member.headers()).json
        assert notices["items"] == []
    mine = world.client.get("/notifications", headers=world.receiver.headers()).json["items"]
    other = world.client.post(f"/notifications/{mine[0]['id']}/read", headers=world.third.headers())
    assert other.status_code == 404


def test_the_sender_never_learns_the_receivers_linked_case(world: World) -> None:
    from tests.service.referrals.test_linking import link

    referral_id = drive(world, Status.ACCEPTED)
    case_id = link(world, referral_id)
    as_receiver = world.client.get(f"/referrals/{referral_id}", headers=world.receiver.headers())
    assert as_receiver.json["linked_case_id"] == str(case_id)
    as_sender = world.client.get(f"/referrals/{referral_id}", headers=world.sender.headers())
    assert "linked_case_id" not in as_sender.json
    assert "linked_case" not in as_sender.json
    assert str(case_id) not in as_sender.get_data(as_text=True)
