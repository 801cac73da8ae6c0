from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.clock import utcnow
from services.auth.models import AuditEntry, LoginSession, Organization, User
from tests.service.auth.factories import PASSWORD, Factory


def login(client: FlaskClient, email: str, password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    return client.post("/internal/sessions", json={"email": email, "password": password, **extra})


def resolve(client: FlaskClient, secret: str):  # type: ignore[no-untyped-def]
    return client.post("/internal/sessions/resolve", json={"session_token": secret})


def test_signing_in_gives_a_session_secret_of_at_least_128_bits_and_a_principal(
    client: FlaskClient, make: Factory
) -> None:
    member = make.tenant(role="staff")
    response = login(client, member.email)
    assert response.status_code == 200
    body = response.json
    assert len(body["session_token"]) >= 43  # 32 random bytes, base64url
    assert body["csrf_token"]
    assert resolve(client, body["session_token"]).json["user"]["id"] == str(member.user_id)


def test_an_unknown_email_and_a_wrong_password_get_the_same_answer(
    client: FlaskClient, make: Factory
) -> None:
    member = make.tenant()
    wrong_password = login(client, member.email, "not the password at all")
    unknown_email = login(client, "nobody@example.jp", "not the password at all")
    assert wrong_password.status_code == unknown_email.status_code == 401

    def strip(body: dict) -> dict:  # type: ignore[type-arg]
        return {k: v for k, v in body.items()}

    assert strip(wrong_password.json) == strip(unknown_email.json)


def test_repeated_failures_are_throttled_even_with_the_right_password(
    client: FlaskClient, make: Factory
) -> None:
    member = make.tenant()
    for _ in range(5):
        assert login(client, member.email, "wrong password here").status_code == 401
    throttled = login(client, member.email)
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"]


def test_failed_sign_ins_are_audited(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    member = make.tenant()
    login(client, member.email, "wrong password here")
    with sessions() as session:
        actions = session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.actor_id == member.user_id)
        ).all()
    assert "session.login_failed" in actions


def test_signing_in_rotates_the_previous_session(client: FlaskClient, make: Factory) -> None:
    member = make.tenant()
    first = login(client, member.email).json["session_token"]
    second = login(client, member.email, previous_session_token=first).json["session_token"]
    assert first != second
    assert resolve(client, first).status_code == 401
    assert resolve(client, second).status_code == 200


def _age_session(sessions: sessionmaker[Session], secret_owner: str, **changes: object) -> None:
    with sessions() as session:
        user = session.scalar(sa.select(User).where(User.email == secret_owner))
        assert user is not None
        session.execute(
            sa.update(LoginSession).where(LoginSession.user_id == user.id).values(**changes)
        )
        session.commit()


def test_a_session_ends_after_thirty_idle_minutes(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    member = make.tenant()
    secret = login(client, member.email).json["session_token"]
    _age_session(sessions, member.email, last_seen_at=utcnow() - timedelta(minutes=31))
    response = resolve(client, secret)
    assert response.status_code == 401
    assert response.json["code"] == "idle_timeout"


def test_a_session_ends_at_its_absolute_limit_however_active(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    member = make.tenant()
    secret = login(client, member.email).json["session_token"]
    _age_session(sessions, member.email, expires_at=utcnow() - timedelta(seconds=1))
    assert resolve(client, secret).json["code"] == "absolute_timeout"


def test_deactivating_a_user_ends_their_sessions(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    member = make.tenant(role="staff")
    secret = login(client, member.email).json["session_token"]
    with sessions() as session:
        session.execute(sa.update(User).where(User.id == member.user_id).values(active=False))
        session.commit()
    assert resolve(client, secret).json["code"] == "user_deactivated"
    assert login(client, member.email).status_code == 401


def test_suspending_the_org_ends_its_sessions_and_blocks_sign_in(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    member = make.tenant(role="staff")
    secret = login(client, member.email).json["session_token"]
    with sessions() as session:
        session.execute(
            sa.update(Organization)
            .where(Organization.id == member.org_id)
            .values(status="suspended")
        )
        session.commit()
    assert resolve(client, secret).json["code"] == "org_suspended"
    refused = login(client, member.email)
    assert refused.status_code == 401
    assert refused.json["code"] == "org_suspended"


def test_signing_out_ends_the_session(client: FlaskClient, make: Factory) -> None:
    member = make.tenant()
    secret = login(client, member.email).json["session_token"]
    assert client.post("/internal/sessions/end", json={"session_token": secret}).status_code == 204
    assert resolve(client, secret).status_code == 401


def test_me_returns_the_csrf_token_of_the_session(client: FlaskClient, make: Factory) -> None:
    member = make.tenant()
    body = login(client, member.email).json
    me = client.get("/me", headers={"Authorization": f"Bearer {body['principal_token']}"})
    assert me.status_code == 200
    assert me.json["csrf_token"] == body["csrf_token"]
    assert me.json["org"]["id"] == str(member.org_id)


def test_a_personal_access_token_is_shown_once_stored_hashed_and_revocable(
    client: FlaskClient, make: Factory
) -> None:
    member = make.tenant()
    principal_token = login(client, member.email).json["principal_token"]
    headers = {"Authorization": f"Bearer {principal_token}"}
    created = client.post("/tokens", json={"name": "集計スクリプト"}, headers=headers)
    assert created.status_code == 201
    token = created.json["token"]
    assert token.startswith("tsu_")
    listed = client.get("/tokens", headers=headers).json["items"]
    assert "token" not in listed[0]
    resolved = client.post("/internal/tokens/resolve", json={"token": token})
    assert resolved.status_code == 200
    assert client.delete(f"/tokens/{created.json['id']}", headers=headers).status_code == 204
    assert client.post("/internal/tokens/resolve", json={"token": token}).status_code == 401


def test_an_expired_access_token_is_refused(client: FlaskClient, make: Factory) -> None:
    member = make.tenant()
    headers = {"Authorization": f"Bearer {login(client, member.email).json['principal_token']}"}
    past = (utcnow() - timedelta(days=1)).isoformat()
    refused = client.post("/tokens", json={"name": "old", "expires_at": past}, headers=headers)
    assert refused.status_code == 422
    assert refused.json["errors"][0]["field"] == "expires_at"


def test_a_huge_body_before_sign_in_is_413_before_it_is_read(client: FlaskClient) -> None:
    """A public route (accepting an invitation) is as closed to a 200 MB body as any."""

    class Unread(io.RawIOBase):
        consumed = 0

        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:
            self.consumed += max(n, 0)
            return b"{" * max(n, 0)

    body = Unread()
    response = client.post(
        "/invitations/" + "x" * 43 + "/accept",
        content_type="application/json",
        environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(200 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert body.consumed == 0
    nested = client.post(
        "/invitations/" + "x" * 43 + "/accept",
        data=b'{"password": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        content_type="application/json",
    )
    assert nested.status_code == 422
