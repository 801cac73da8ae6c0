"""Who may add people to an organization, and how invitations reach them (by e-mail).

The attack these tests pin down: a consortium admin (or the platform admin) invited a case
worker into a member organization, got the invitation token in the answer, accepted it and
read the member's cases and sensitive notes."""

from __future__ import annotations

import uuid
from pathlib import Path

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.datakey import SecretBox, load_data_key
from common.mail import MailDelivery, MaildirTransport, links_in, messages_to, text_of
from common.testing.principals import auth_header, make_principal
from services.auth.models import Invitation, MailOutbox, User
from tests.service.auth.factories import Factory, Member


def invite(client: FlaskClient, who: Member, org_id: object, role: str = "staff", **body: str):  # type: ignore[no-untyped-def]
    payload = {"email": f"new-{role}-{id(body)}@example.jp", "name": "新人", "role": role} | body
    return client.post(
        f"/organizations/{org_id}/users", headers=auth_header(who.principal), json=payload
    )


def deliver(sessions: sessionmaker[Session], tmp_path: Path) -> Path:
    maildir = tmp_path / "mail"
    MailDelivery(
        session_factory=sessions,
        model=MailOutbox,
        box=SecretBox(load_data_key(None, tmp_path / "keys")),
        transport=MaildirTransport(maildir),
        sender="Tsunagu <no-reply@example.jp>",
    ).run_once()
    return maildir


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def member_with_admin(make: Factory, consortium_id: object) -> Member:
    """A member organization whose org admin has joined."""
    return make.user(make.org(consortium_id), "org_admin")  # type: ignore[arg-type]


def test_a_consortium_admin_cannot_add_a_case_worker_to_a_member_that_has_an_admin(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    center = make.tenant(kind="prefectural_center", role="consortium_admin")
    member_admin = member_with_admin(make, center.consortium_id)
    users_before, mail_before = count(sessions, User), count(sessions, MailOutbox)
    for role in ("staff", "org_admin", "viewer", "volunteer"):
        response = invite(client, center, member_admin.org_id, role, email=f"{role}@mine.example")
        assert response.status_code == 403, (role, response.json)
        assert "token" not in response.get_data(as_text=True)
    assert count(sessions, User) == users_before
    assert count(sessions, MailOutbox) == mail_before


def test_the_platform_admin_cannot_either(client: FlaskClient, make: Factory) -> None:
    platform = make.user(None, "platform_admin")
    member_admin = member_with_admin(make, make.consortium())
    assert invite(client, platform, member_admin.org_id).status_code == 403


def test_the_first_admin_is_invited_by_e_mail_and_the_inviter_never_sees_the_token(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    center = make.tenant(kind="prefectural_center", role="consortium_admin")
    new_member = make.org(center.consortium_id)
    response = invite(client, center, new_member, "org_admin", email="first@member.example")
    assert response.status_code == 201, response.json
    invitation = response.json["invitation"]
    assert invitation["sent_to"] == "first@member.example"
    assert "token" not in invitation
    assert "url" not in invitation
    assert invitation["expires_at"]
    with sessions() as session:  # waiting in the outbox, sealed: the link is not in clear
        sealed = session.scalars(sa.select(MailOutbox.sealed)).one()
        assert sealed is not None
        assert "/invitations/" not in sealed
    [mail] = messages_to(deliver(sessions, tmp_path), "first@member.example")
    assert "招待" in str(mail["Subject"])
    [link] = {u for u in links_in(mail) if "/invitations/" in u}
    token = link.rsplit("/", 1)[1]
    assert client.get(f"/invitations/{token}").json["email"] == "first@member.example"
    with sessions() as session:  # sent: nothing secret is kept
        assert session.scalars(sa.select(MailOutbox.sealed)).one() is None


def test_an_org_admin_gets_the_link_in_the_answer_and_the_invitee_by_e_mail(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    admin = make.tenant(role="org_admin")
    response = invite(client, admin, admin.org_id, email="colleague@example.jp")
    assert response.status_code == 201
    invitation = response.json["invitation"]
    assert invitation["url"].endswith("/invitations/" + invitation["token"])
    [mail] = messages_to(deliver(sessions, tmp_path), "colleague@example.jp")
    assert invitation["url"] in list(links_in(mail))
    assert "Dear 新人" in text_of(mail)
    assert "新人 様" in text_of(mail)


def test_re_issuing_a_pending_invitation_hands_nothing_to_a_consortium_admin(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    center = make.tenant(kind="prefectural_center", role="consortium_admin")
    org = make.org(center.consortium_id)
    pending = make.user(org, "staff", joined=False)
    response = client.post(
        f"/users/{pending.user_id}/invitation", headers=auth_header(center.principal)
    )
    assert response.status_code == 201, response.json
    assert set(response.json["invitation"]) == {"sent_to", "expires_at"}
    assert len(messages_to(deliver(sessions, tmp_path), pending.email)) == 1
    # Once the member has an active admin, re-issuing is the admin's business only.
    make.user(org, "org_admin")
    refused = client.post(
        f"/users/{pending.user_id}/invitation", headers=auth_header(center.principal)
    )
    assert refused.status_code == 403
    with sessions() as session:
        assert (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(Invitation)
                .where(Invitation.user_id == pending.user_id)
            )
            == 1
        )


def test_a_pending_first_admin_does_not_close_the_door(client: FlaskClient, make: Factory) -> None:
    """An invited admin who never joined (a mistyped address) is not an active admin."""
    center = make.tenant(kind="prefectural_center", role="consortium_admin")
    org = make.org(center.consortium_id)
    make.user(org, "org_admin", joined=False)
    make.user(org, "org_admin", active=False)
    assert invite(client, center, org, "org_admin", email="second@try.example").status_code == 201


def test_a_consortium_admin_cannot_turn_someone_into_a_case_worker_of_a_member(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    """The other door: invite a consortium admin (allowed), then change the role."""
    center = make.tenant(kind="prefectural_center", role="consortium_admin")
    member_admin = member_with_admin(make, center.consortium_id)
    invited = invite(
        client, center, member_admin.org_id, "consortium_admin", email="c@mine.example"
    )
    assert invited.status_code == 201
    user_id = invited.json["id"]
    changed = client.patch(
        f"/users/{user_id}", headers=auth_header(center.principal), json={"role": "staff"}
    )
    assert changed.status_code == 403
    with sessions() as session:
        assert session.get(User, uuid.UUID(user_id)).role == "consortium_admin"  # type: ignore[union-attr]


def test_the_org_admins_see_who_added_each_person_and_hear_of_it_by_e_mail(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    center = make.tenant(kind="prefectural_center", role="consortium_admin")
    member_admin = member_with_admin(make, center.consortium_id)
    invited = invite(
        client, center, member_admin.org_id, "consortium_admin", email="liaison@c.example"
    )
    assert invited.status_code == 201
    listed = client.get(
        f"/organizations/{member_admin.org_id}/users", headers=auth_header(member_admin.principal)
    ).json["items"]
    added = next(u for u in listed if u["email"] == "liaison@c.example")
    assert added["added_by"]["id"] == str(center.user_id)
    assert added["added_by"]["org_id"] == str(center.org_id)
    assert added["added_by"]["name"] == "consortium_admin さん"
    maildir = deliver(sessions, tmp_path)
    [notice] = messages_to(maildir, member_admin.email)
    assert "liaison@c.example" in text_of(notice)
    assert "consortium_admin さん" in text_of(notice)


def test_an_org_admin_adding_a_colleague_sends_no_notice_to_herself(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    admin = make.tenant(role="org_admin")
    assert invite(client, admin, admin.org_id, email="x@example.jp").status_code == 201
    assert messages_to(deliver(sessions, tmp_path), admin.email) == []


def test_bad_input_to_invite_writes_no_user_and_sends_no_mail(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    admin = make.tenant(role="org_admin")
    before = count(sessions, User), count(sessions, MailOutbox)
    for body in (
        {"email": "not-an-address", "name": "x", "role": "staff"},
        {"email": "a@example.jp", "name": "", "role": "staff"},
        {"email": "a@example.jp", "name": "x", "role": "platform_admin"},
    ):
        response = client.post(
            f"/organizations/{admin.org_id}/users", headers=auth_header(admin.principal), json=body
        )
        assert response.status_code == 422, body
    assert (count(sessions, User), count(sessions, MailOutbox)) == before


def test_another_consortiums_admin_gets_404_for_invitations(
    client: FlaskClient, make: Factory
) -> None:
    org = make.org(make.consortium())
    pending = make.user(org, "staff", joined=False)
    stranger = make_principal(role="consortium_admin")
    assert (
        client.post(
            f"/organizations/{org}/users",
            headers=auth_header(stranger),
            json={"email": "z@example.jp", "name": "z", "role": "org_admin"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/users/{pending.user_id}/invitation", headers=auth_header(stranger)
        ).status_code
        == 404
    )
