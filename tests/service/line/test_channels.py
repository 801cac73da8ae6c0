"""Registering a desk's LINE channel: secrets go in and never come out; only the org's
admin or its consortium's admin may; another org's channel is 404."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from common.testing.principals import Tenant, make_principal
from services.line.models import AuditEntry, Channel, ChannelSecret
from services.line.operations import LineDeps
from tests.service.line.support import BOT, SECRET, Desk


def test_a_registered_channel_answers_its_webhook_url_and_default_hours_but_no_secret(
    desk: Desk,
) -> None:
    channel = desk.channel
    assert channel["webhook_url"].endswith(f"/line/webhook/{channel['id']}")
    assert channel["hours"] == {
        "open": "16:00",
        "close": "21:00",
        "weekdays": [0, 1, 2, 3, 4, 5, 6],
        "closed_days": [],
    }
    text = json.dumps(desk.as_(desk.admin, "GET", "/line/channels").get_json())
    assert SECRET not in text
    assert "token-" not in text
    assert desk.channel_id in text


def test_secrets_are_stored_sealed_and_kept_out_of_the_audit_log(desk: Desk) -> None:
    with desk.sessions() as session:
        channel = session.get(Channel, uuid.UUID(desk.channel_id))
        assert channel is not None
        secret = session.scalar(sa.select(ChannelSecret.sealed))
        audit = " ".join(str(a.details) for a in session.scalars(sa.select(AuditEntry)))
    assert channel.access_token_sealed.startswith("fernet:")
    assert secret is not None
    assert secret.startswith("fernet:")
    assert SECRET not in secret
    assert SECRET not in audit
    assert "token-" not in audit


def test_hours_over_midnight_on_weekdays_with_closed_days_are_kept(desk: Desk) -> None:
    answer = desk.as_(
        desk.admin,
        "PATCH",
        f"/line/channels/{desk.channel_id}",
        json={
            "hours": {
                "open": "20:00",
                "close": "02:00",
                "weekdays": [4, 0, 2],
                "closed_days": ["2026-12-31"],
            },
            "out_of_hours_message": "受付時間外です。",
        },
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["hours"] == {
        "open": "20:00",
        "close": "02:00",
        "weekdays": [0, 2, 4],
        "closed_days": ["2026-12-31"],
    }
    assert answer.get_json()["out_of_hours_message"] == "受付時間外です。"


def test_a_consortium_admin_registers_a_channel_for_an_org_of_their_consortium(
    app: Flask, sessions: sessionmaker[Session], deps: LineDeps
) -> None:
    desk = Desk.register(app, sessions, deps)
    center = Tenant.new("prefectural_center", consortium_id=desk.tenant.consortium_id)
    consortium_admin = make_principal(center, role="consortium_admin")
    listed = desk.as_(consortium_admin, "GET", "/line/channels").get_json()["items"]
    assert [c["id"] for c in listed] == [desk.channel_id]
    patched = desk.as_(
        consortium_admin, "PATCH", f"/line/channels/{desk.channel_id}", json={"name": "新しい名前"}
    )
    assert patched.status_code == 200


def test_staff_and_other_orgs_cannot_see_or_change_a_channel(desk: Desk) -> None:
    stranger = make_principal(Tenant.new(), role="org_admin")
    other_consortium = make_principal(Tenant.new("prefectural_center"), role="consortium_admin")
    path = f"/line/channels/{desk.channel_id}"
    for who in (stranger, other_consortium, desk.staff):
        assert desk.as_(who, "GET", path).status_code == 404
        assert desk.as_(who, "PATCH", path, json={"name": "x"}).status_code == 404
        friends = desk.as_(who, "GET", f"{path}/friends", query_string={"fiscal_year": 2026})
        assert friends.status_code == 404
    for who in (stranger, other_consortium):
        assert desk.as_(who, "GET", "/line/channels").get_json()["items"] == []
    assert desk.as_(desk.staff, "GET", "/line/channels").status_code == 403
    with desk.sessions() as session:
        assert session.scalar(sa.select(Channel.name)) == "やまなしLINE相談"


def test_registering_for_another_org_is_404_and_writes_nothing(desk: Desk) -> None:
    body = {
        "org_id": str(uuid.uuid4()),
        "name": "x",
        "channel_id": "1234567",
        "channel_secret": SECRET,
        "channel_access_token": "tokentoken",
        "bot_user_id": BOT,
    }
    answer = desk.as_(desk.admin, "POST", "/line/channels", json=body)
    assert answer.status_code == 404
    with desk.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Channel)) == 1


def test_bad_channel_input_is_422_problem_json_with_field_errors(desk: Desk) -> None:
    base = {
        "org_id": str(desk.tenant.org_id),
        "name": "x",
        "channel_id": "1234567",
        "channel_secret": SECRET,
        "channel_access_token": "tokentoken",
        "bot_user_id": BOT,
    }
    cases = [
        ({**base, "channel_id": "abc"}, "channel_id"),
        ({**base, "bot_user_id": "nope"}, "bot_user_id"),
        ({**base, "hours": {"open": "25:00", "close": "21:00"}}, "hours.open"),
        ({**base, "hours": {"open": "16:00", "close": "16:00"}}, "hours"),
        ({**base, "hours": {"weekdays": [7]}}, "hours.weekdays"),
        ({**base, "surprise": 1}, "surprise"),
        ({k: v for k, v in base.items() if k != "channel_secret"}, "channel_secret"),
    ]
    for body, field in cases:
        answer = desk.as_(desk.admin, "POST", "/line/channels", json=body)
        assert answer.status_code == 422, body
        assert answer.mimetype == "application/problem+json"
        fields = [e["field"] for e in answer.get_json()["errors"]]
        assert any(f.startswith(field) for f in fields), (field, fields)
    patch = desk.as_(desk.admin, "PATCH", f"/line/channels/{desk.channel_id}", json={})
    assert patch.status_code == 422
    with desk.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Channel)) == 1


def test_registering_the_same_line_channel_twice_is_a_conflict(desk: Desk) -> None:
    body = {
        "org_id": str(desk.tenant.org_id),
        "name": "again",
        "channel_id": desk.channel["channel_id"],
        "channel_secret": SECRET,
        "channel_access_token": "tokentoken",
        "bot_user_id": BOT,
    }
    assert desk.as_(desk.admin, "POST", "/line/channels", json=body).status_code == 409
