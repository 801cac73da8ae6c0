"""Every auth route that takes an id, given another tenant's id, answers 404 and changes
nothing. The matrix comes from the app's URL map: a new route without an entry in
VALID_BODIES fails this test until someone decides what a valid call looks like."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.testing.principals import auth_header
from services.auth.models import Base
from tests.service.auth.factories import Factory

VALID_BODIES: dict[str, dict[str, object] | None] = {
    "auth.get_consortium": None,
    "auth.consortium_audit": None,
    "auth.update_consortium": {"name": "改名"},
    "auth.get_org": None,
    "auth.update_org": {"address": "どこか"},
    "auth.suspend_org": {"reason": "テスト"},
    "auth.reinstate_org": {"reason": "テスト"},
    "auth.invite_user": {"email": "new@example.jp", "name": "新人", "role": "staff"},
    "auth.list_users": None,
    "auth.get_user": None,
    "auth.update_user": {"role": "viewer"},
    "auth.reissue_invitation": None,
    "auth.revoke_token": None,
}


def id_routes(app: Flask) -> list[tuple[str, str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments or rule.endpoint == "static":
            continue
        if any(a == "token" for a in rule.arguments):
            continue  # invitation secrets are not ids: unknown ones are 404 by construction
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, rule.rule))
    return routes


def snapshot(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {
            t.name: int(session.scalar(sa.select(sa.func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
            if t.name not in ("audit_log",)
        }


def test_every_id_route_has_a_valid_body_declared(app: Flask) -> None:
    missing = {endpoint for endpoint, _, _ in id_routes(app)} - set(VALID_BODIES)
    assert not missing, f"declare a valid call for {missing} in VALID_BODIES"


@pytest.mark.parametrize("role", ["org_admin", "consortium_admin"])
def test_another_tenants_ids_are_404_on_every_route_and_change_nothing(
    app: Flask, client: FlaskClient, make: Factory, sessions: sessionmaker[Session], role: str
) -> None:
    me = make.tenant(kind="prefectural_center", role=role)
    other_consortium = make.consortium()
    other_org = make.org(other_consortium)
    other_user = make.user(other_org, "staff", joined=False)
    other_admin = make.user(other_org, "org_admin")
    token_id = client.post(
        "/tokens", json={"name": "theirs"}, headers=auth_header(other_admin.principal)
    ).json["id"]
    ids = {
        "consortium_id": other_consortium,
        "org_id": other_org,
        "user_id": other_user.user_id,
        "token_id": uuid.UUID(token_id),
    }
    before = snapshot(sessions)
    checked = 0
    for endpoint, method, rule in id_routes(app):
        path = rule
        for name, value in ids.items():
            path = path.replace(f"<uuid:{name}>", str(value))
        response = client.open(
            path, method=method, json=VALID_BODIES[endpoint], headers=auth_header(me.principal)
        )
        assert response.status_code == 404, (endpoint, method, response.json)
        assert response.mimetype == "application/problem+json"
        checked += 1
    assert checked >= len(VALID_BODIES)
    assert snapshot(sessions) == before
