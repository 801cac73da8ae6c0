from __future__ import annotations

import json
import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.clock import utcnow
from common.testing.principals import auth_header
from services.auth.models import Invitation, Organization, OutboxEvent, User
from tests.service.auth.factories import Factory


def events(sessions: sessionmaker[Session], type_: str) -> list[dict]:  # type: ignore[type-arg]
    with sessions() as session:
        rows = session.scalars(sa.select(OutboxEvent).where(OutboxEvent.type == type_)).all()
        return [json.loads(r.body) for r in rows]


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def test_a_consortium_admin_registers_a_member_and_the_event_is_in_the_outbox(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    admin = make.tenant(kind="prefectural_center", role="consortium_admin")
    response = client.post(
        "/organizations",
        headers=auth_header(admin.principal),
        json={
            "consortium_id": str(admin.consortium_id),
            "name": "鹿児島家族会",
            "kind": "family_association",
            "sector": "private",
        },
    )
    assert response.status_code == 201, response.json
    assert response.json["status"] == "active"
    registered = events(sessions, "org.registered")
    assert [e["subject_id"] for e in registered] == [response.json["id"]]
    assert registered[0]["consortium_id"] == str(admin.consortium_id)


def test_a_consortium_admin_cannot_register_into_another_consortium(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    admin = make.tenant(kind="prefectural_center", role="consortium_admin")
    other = make.consortium()
    before = count(sessions, Organization)
    response = client.post(
        "/organizations",
        headers=auth_header(admin.principal),
        json={"consortium_id": str(other), "name": "x", "kind": "npo", "sector": "private"},
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "consortium_id"
    assert count(sessions, Organization) == before
    assert events(sessions, "org.registered") == []


def test_staff_cannot_register_members(client: FlaskClient, make: Factory) -> None:
    staff = make.tenant(role="staff")
    response = client.post(
        "/organizations",
        headers=auth_header(staff.principal),
        json={
            "consortium_id": str(staff.consortium_id),
            "name": "x",
            "kind": "npo",
            "sector": "private",
        },
    )
    assert response.status_code == 403


def test_suspending_a_member_revokes_sessions_and_announces_it(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    admin = make.tenant(kind="prefectural_center", role="consortium_admin")
    member_org = make.org(admin.consortium_id)
    staff = make.user(member_org, "staff")
    secret = client.post(
        "/internal/sessions",
        json={"email": staff.email, "password": "correct horse battery staple"},
    ).json["session_token"]
    response = client.post(
        f"/organizations/{member_org}/suspend",
        json={"reason": "年度末の契約終了"},
        headers=auth_header(admin.principal),
    )
    assert response.status_code == 200
    assert response.json["status"] == "suspended"
    assert (
        client.post("/internal/sessions/resolve", json={"session_token": secret}).status_code == 401
    )
    assert [e["subject_id"] for e in events(sessions, "org.suspended")] == [str(member_org)]
    again = client.post(
        f"/organizations/{member_org}/suspend",
        json={"reason": "x"},
        headers=auth_header(admin.principal),
    )
    assert again.status_code == 409
    reinstated = client.post(
        f"/organizations/{member_org}/reinstate",
        json={"reason": "契約更新"},
        headers=auth_header(admin.principal),
    )
    assert reinstated.json["status"] == "active"
    assert len(events(sessions, "org.reinstated")) == 1


def test_a_consortium_admin_cannot_suspend_their_own_org(
    client: FlaskClient, make: Factory
) -> None:
    admin = make.tenant(kind="prefectural_center", role="consortium_admin")
    response = client.post(
        f"/organizations/{admin.org_id}/suspend",
        json={"reason": "x"},
        headers=auth_header(admin.principal),
    )
    assert response.status_code == 409


def test_suspension_needs_a_reason(client: FlaskClient, make: Factory) -> None:
    admin = make.tenant(kind="prefectural_center", role="consortium_admin")
    org = make.org(admin.consortium_id)
    response = client.post(
        f"/organizations/{org}/suspend", json={"reason": "  "}, headers=auth_header(admin.principal)
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "reason"


def test_an_invitation_is_single_use_and_sets_a_strong_password(
    client: FlaskClient, make: Factory
) -> None:
    admin = make.tenant(role="org_admin")
    invited = client.post(
        f"/organizations/{admin.org_id}/users",
        headers=auth_header(admin.principal),
        json={"email": "Sato@Example.JP", "name": "佐藤", "role": "staff"},
    )
    assert invited.status_code == 201, invited.json
    assert invited.json["email"] == "sato@example.jp"
    assert invited.json["status"] == "invited"
    token = invited.json["invitation"]["token"]
    assert invited.json["invitation"]["url"].endswith(token)
    weak = client.post(f"/invitations/{token}/accept", json={"password": "password1234"})
    assert weak.status_code == 422
    assert weak.json["errors"][0]["code"] == "password_too_weak"
    short = client.post(f"/invitations/{token}/accept", json={"password": "short"})
    assert short.json["errors"][0]["code"] == "password_too_short"
    accepted = client.post(
        f"/invitations/{token}/accept", json={"password": "青い空と白い雲の下で歩く"}
    )
    assert accepted.status_code == 200
    again = client.post(
        f"/invitations/{token}/accept", json={"password": "another long passphrase"}
    )
    assert again.status_code == 404
    signed_in = client.post(
        "/internal/sessions",
        json={"email": "sato@example.jp", "password": "青い空と白い雲の下で歩く"},
    )
    assert signed_in.status_code == 200


def test_an_expired_invitation_is_unknown(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    admin = make.tenant(role="org_admin")
    token = client.post(
        f"/organizations/{admin.org_id}/users",
        headers=auth_header(admin.principal),
        json={"email": "late@example.jp", "name": "遅刻", "role": "staff"},
    ).json["invitation"]["token"]
    with sessions() as session:
        session.execute(sa.update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    assert client.get(f"/invitations/{token}").status_code == 404
    response = client.post(
        f"/invitations/{token}/accept", json={"password": "a long enough passphrase"}
    )
    assert response.status_code == 404


def test_an_org_admin_may_not_make_consortium_admins(client: FlaskClient, make: Factory) -> None:
    admin = make.tenant(role="org_admin")
    response = client.post(
        f"/organizations/{admin.org_id}/users",
        headers=auth_header(admin.principal),
        json={"email": "boss@example.jp", "name": "x", "role": "consortium_admin"},
    )
    assert response.status_code == 403


def test_deactivating_a_user_announces_it(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    admin = make.tenant(role="org_admin")
    staff = make.user(admin.org_id, "staff")
    response = client.patch(
        f"/users/{staff.user_id}", json={"active": False}, headers=auth_header(admin.principal)
    )
    assert response.status_code == 200
    assert response.json["status"] == "deactivated"
    assert [e["subject_id"] for e in events(sessions, "user.deactivated")] == [str(staff.user_id)]


def test_an_admin_cannot_deactivate_or_demote_themselves(
    client: FlaskClient, make: Factory
) -> None:
    admin = make.tenant(role="org_admin")
    for body in ({"active": False}, {"role": "staff"}):
        response = client.patch(
            f"/users/{admin.user_id}", json=body, headers=auth_header(admin.principal)
        )
        assert response.status_code == 409


def test_the_directory_lists_only_active_members_of_my_consortium(
    client: FlaskClient, make: Factory
) -> None:
    me = make.tenant(role="staff")
    active = make.org(me.consortium_id)
    suspended = make.org(me.consortium_id, status="suspended")
    elsewhere = make.org(make.consortium())
    ids = {
        o["id"] for o in client.get("/directory", headers=auth_header(me.principal)).json["items"]
    }
    assert str(active) in ids
    assert str(me.org_id) in ids
    assert str(suspended) not in ids
    assert str(elsewhere) not in ids


def test_hostile_input_gets_422_and_writes_nothing(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    admin = make.tenant(kind="prefectural_center", role="consortium_admin")
    headers = auth_header(admin.principal)
    before = (count(sessions, Organization), count(sessions, User))
    bodies = [
        b"not json",
        b"[1, 2]",
        json.dumps(
            {
                "consortium_id": str(admin.consortium_id),
                "name": "x",
                "kind": "bank",
                "sector": "private",
            }
        ).encode(),
        json.dumps(
            {"consortium_id": "not-a-uuid", "name": "x", "kind": "npo", "sector": "private"}
        ).encode(),
        json.dumps(
            {
                "consortium_id": str(admin.consortium_id),
                "name": "x" * 201,
                "kind": "npo",
                "sector": "private",
            }
        ).encode(),
        json.dumps(
            {
                "consortium_id": str(admin.consortium_id),
                "name": "x",
                "kind": "npo",
                "sector": "private",
                "status": "suspended",
            }
        ).encode(),
        json.dumps(
            {"consortium_id": str(admin.consortium_id), "name": "<script>", "kind": "npo"}
        ).encode(),
    ]
    for body in bodies:
        response = client.post(
            "/organizations", data=body, headers=headers, content_type="application/json"
        )
        assert response.status_code == 422, body
        assert response.mimetype == "application/problem+json"
        assert response.json["errors"]
    bad_invite = client.post(
        f"/organizations/{admin.org_id}/users",
        headers=headers,
        json={"email": "not an email", "name": "", "role": "king"},
    )
    assert bad_invite.status_code == 422
    assert {e["field"] for e in bad_invite.json["errors"]} == {"email", "name", "role"}
    assert (count(sessions, Organization), count(sessions, User)) == before


def test_a_forged_or_expired_principal_token_is_refused_by_the_service(
    client: FlaskClient, make: Factory
) -> None:
    from common.principal import PrincipalSigner, generate_keypair
    from common.testing.principals import token_for

    member = make.tenant()
    forged = PrincipalSigner(generate_keypair()[0]).sign(member.principal)
    assert client.get("/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    expired = token_for(member.principal, ttl_seconds=-60)
    assert client.get("/me", headers={"Authorization": f"Bearer {expired}"}).status_code == 401
    assert client.get("/me", headers={"Authorization": "Bearer garbage"}).status_code == 401


def test_an_unknown_id_and_another_tenants_id_look_the_same(
    client: FlaskClient, make: Factory
) -> None:
    admin = make.tenant(role="org_admin")
    other_org = make.org(make.consortium())
    unknown = client.get(f"/organizations/{uuid.uuid4()}", headers=auth_header(admin.principal))
    foreign = client.get(f"/organizations/{other_org}", headers=auth_header(admin.principal))
    assert unknown.status_code == foreign.status_code == 404
    assert unknown.json == foreign.json
