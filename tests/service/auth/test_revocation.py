"""Ended credentials are refused by auth at once, listed for the gateway and announced to the
other services. Before: a principal token minted before a deactivation, a suspension or a
token's revocation kept working for its whole life (minutes) on auth's own endpoints."""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.testing.principals import auth_header
from services.auth.models import AccessToken, LoginSession, OutboxEvent
from tests.service.auth.factories import PASSWORD, Factory, Member

NEW_PASSWORD = "lantern orchard velvet compass"


def sign_in(client: FlaskClient, member: Member, password: str = PASSWORD) -> dict[str, Any]:
    answer = client.post("/internal/sessions", json={"email": member.email, "password": password})
    assert answer.status_code == 200, answer.json
    return answer.json  # type: ignore[no-any-return]


def bearer(principal_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {principal_token}"}


def events(sessions: sessionmaker[Session], type_: str) -> list[dict[str, Any]]:
    with sessions() as session:
        rows = session.scalars(sa.select(OutboxEvent).where(OutboxEvent.type == type_))
        return [json.loads(r.body)["data"] for r in rows]


def feed(client: FlaskClient) -> list[tuple[str, str]]:
    answer = client.get("/internal/revocations")
    assert answer.status_code == 200
    return [(i["kind"], i["id"]) for i in answer.json["items"]]


def test_a_deactivated_users_earlier_principal_token_is_refused_by_auth_at_once(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    admin = make.tenant(role="org_admin")
    staff = make.user(admin.org_id, "staff")
    minted = sign_in(client, staff)["principal_token"]
    assert client.get("/me", headers=bearer(minted)).status_code == 200
    client.patch(
        f"/users/{staff.user_id}", headers=auth_header(admin.principal), json={"active": False}
    )
    refused = client.get("/me", headers=bearer(minted))
    assert refused.status_code == 401
    assert refused.json["code"] in {"session_revoked", "user_deactivated"}
    assert client.post("/tokens", headers=bearer(minted), json={"name": "x"}).status_code == 401
    assert ("user", str(staff.user_id)) in feed(client)
    assert [e["user_id"] for e in events(sessions, "user.deactivated")] == [str(staff.user_id)]
    assert [e["user_id"] for e in events(sessions, "session.revoked")] == [str(staff.user_id)]


def test_a_suspended_orgs_admin_can_no_longer_mint_tokens_or_call_account_endpoints(
    client: FlaskClient, make: Factory
) -> None:
    center = make.tenant(kind="prefectural_center", role="consortium_admin")
    member_admin = make.user(make.org(center.consortium_id), "org_admin")
    minted = sign_in(client, member_admin)["principal_token"]
    suspended = client.post(
        f"/organizations/{member_admin.org_id}/suspend",
        headers=auth_header(center.principal),
        json={"reason": "契約終了"},
    )
    assert suspended.status_code == 200
    assert client.post("/tokens", headers=bearer(minted), json={"name": "x"}).status_code == 401
    assert client.get("/me", headers=bearer(minted)).status_code == 401
    assert (
        client.get(
            f"/organizations/{member_admin.org_id}/users", headers=bearer(minted)
        ).status_code
        == 401
    )
    assert ("org", str(member_admin.org_id)) in feed(client)


def test_a_revoked_personal_token_is_refused_and_announced(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    staff = make.tenant(role="staff")
    session_token = sign_in(client, staff)["principal_token"]
    created = client.post("/tokens", headers=bearer(session_token), json={"name": "集計スクリプト"})
    pat = created.json["token"]
    resolved = client.post("/internal/tokens/resolve", json={"token": pat}).json
    minted = resolved["principal_token"]
    assert client.get("/me", headers=bearer(minted)).status_code == 200
    assert (
        client.delete(f"/tokens/{created.json['id']}", headers=bearer(session_token)).status_code
        == 204
    )
    assert client.get("/me", headers=bearer(minted)).status_code == 401
    assert client.post("/internal/tokens/resolve", json={"token": pat}).status_code == 401
    assert ("token", created.json["id"]) in feed(client)
    [announced] = events(sessions, "token.revoked")
    assert announced == {
        "token_id": created.json["id"],
        "user_id": str(staff.user_id),
        "reason": "revoked_by_owner",
    }
    assert client.get("/me", headers=bearer(session_token)).status_code == 200


def test_changing_the_password_ends_the_other_sessions_and_every_token(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    staff = make.tenant(role="staff")
    here = sign_in(client, staff)
    elsewhere = sign_in(client, staff)
    token = client.post("/tokens", headers=bearer(here["principal_token"]), json={"name": "x"}).json
    changed = client.post(
        "/me/password",
        headers=bearer(here["principal_token"]),
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 204, changed.json
    assert client.get("/me", headers=bearer(here["principal_token"])).status_code == 200
    assert client.get("/me", headers=bearer(elsewhere["principal_token"])).status_code == 401
    assert (
        client.post(
            "/internal/sessions/resolve", json={"session_token": elsewhere["session_token"]}
        ).status_code
        == 401
    )
    assert (
        client.post("/internal/tokens/resolve", json={"token": token["token"]}).status_code == 401
    )
    with sessions() as session:
        reasons = set(session.scalars(sa.select(LoginSession.revoke_reason)))
        assert reasons == {None, "password_changed"}
        assert session.scalars(sa.select(AccessToken.revoked_at)).one() is not None
    assert {e["reason"] for e in events(sessions, "session.revoked")} == {"password_changed"}
    assert len(events(sessions, "token.revoked")) == 1


def test_signing_out_lists_and_announces_the_session(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    staff = make.tenant(role="staff")
    signed_in = sign_in(client, staff)
    client.post("/internal/sessions/end", json={"session_token": signed_in["session_token"]})
    session_id = events(sessions, "session.revoked")[0]["session_id"]
    assert ("session", session_id) in feed(client)
    assert client.get("/me", headers=bearer(signed_in["principal_token"])).status_code == 401


def test_the_revocation_list_answers_only_what_is_newer_than_asked(
    client: FlaskClient, make: Factory
) -> None:
    staff = make.tenant(role="staff")
    first = client.get("/internal/revocations").json
    signed_in = sign_in(client, staff)
    client.post("/internal/sessions/end", json={"session_token": signed_in["session_token"]})
    later = client.get("/internal/revocations", query_string={"since": first["now"]}).json
    assert [i["kind"] for i in later["items"]] == ["session"]
    far = client.get("/internal/revocations", query_string={"since": "2999-01-01T00:00:00+00:00"})
    assert far.json["items"] == []
    bad = client.get("/internal/revocations", query_string={"since": "yesterday"})
    assert bad.status_code == 422
    assert bad.json["errors"][0]["field"] == "since"


def test_a_token_of_another_person_cannot_be_revoked(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    owner = make.tenant(role="staff")
    other = make.tenant(role="org_admin")
    token = client.post(
        "/tokens", headers=bearer(sign_in(client, owner)["principal_token"]), json={"name": "x"}
    ).json
    assert (
        client.delete(f"/tokens/{token['id']}", headers=auth_header(other.principal)).status_code
        == 404
    )
    assert (
        client.delete(f"/tokens/{uuid.uuid4()}", headers=auth_header(other.principal)).status_code
        == 404
    )
    assert events(sessions, "token.revoked") == []


def test_a_refused_new_password_changes_nothing_and_ends_nothing(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    staff = make.tenant(role="staff")
    here = sign_in(client, staff)
    elsewhere = sign_in(client, staff)
    for new_password, code in (
        ("tsunagu-demo-2026", "password_published"),
        ("Correct Horse Battery Staple", "password_published"),
        ("short", "password_too_short"),
    ):
        answer = client.post(
            "/me/password",
            headers=bearer(here["principal_token"]),
            json={"current_password": PASSWORD, "new_password": new_password},
        )
        assert answer.status_code == 422
        assert answer.json["errors"][0] == {
            "field": "new_password",
            "message": answer.json["errors"][0]["message"],
            "code": code,
        }
    assert client.get("/me", headers=bearer(elsewhere["principal_token"])).status_code == 200
    assert events(sessions, "session.revoked") == []
    sign_in(client, staff)  # the old password still works
