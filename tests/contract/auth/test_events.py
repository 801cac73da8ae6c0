"""The events the auth service records match their published schemas."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from sqlalchemy.orm import Session, sessionmaker

from common.testing.principals import auth_header
from services.auth.models import OutboxEvent
from tests.service.auth.factories import PASSWORD, Factory

SCHEMAS = Path(__file__).resolve().parents[3] / "contracts" / "events"


def test_every_auth_event_matches_its_schema(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    admin = make.tenant(kind="prefectural_center", role="consortium_admin")
    headers = auth_header(admin.principal)
    org = client.post(
        "/organizations",
        headers=headers,
        json={
            "consortium_id": str(admin.consortium_id),
            "name": "やまなし家族会",
            "kind": "family_association",
            "sector": "private",
        },
    ).json
    client.patch(f"/organizations/{org['id']}", headers=headers, json={"name": "山梨県家族会"})
    client.post(f"/organizations/{org['id']}/suspend", headers=headers, json={"reason": "x"})
    client.post(f"/organizations/{org['id']}/reinstate", headers=headers, json={"reason": "y"})
    staff = make.user(admin.org_id, "staff")
    signed_in = client.post(
        "/internal/sessions", json={"email": staff.email, "password": PASSWORD}
    ).json
    staff_headers = {"Authorization": f"Bearer {signed_in['principal_token']}"}
    token = client.post("/tokens", headers=staff_headers, json={"name": "CLI"}).json
    client.delete(f"/tokens/{token['id']}", headers=staff_headers)
    client.patch(f"/users/{staff.user_id}", headers=headers, json={"active": False})
    client.patch(f"/users/{staff.user_id}", headers=headers, json={"active": True})
    with sessions() as session:
        bodies = [json.loads(r.body) for r in session.scalars(sa.select(OutboxEvent))]
    types = {b["type"] for b in bodies}
    assert types == {
        "org.registered",
        "org.updated",
        "org.suspended",
        "org.reinstated",
        "user.deactivated",
        "user.reactivated",
        "session.revoked",
        "token.revoked",
    }
    for body in bodies:
        schema = json.loads((SCHEMAS / f"{body['type']}.json").read_text())
        Draft202012Validator.check_schema(schema)
        errors = [e.message for e in Draft202012Validator(schema).iter_errors(body["data"])]
        assert not errors, (body["type"], errors)
        assert body["producer"] == "auth"
        assert body["subject_id"]
