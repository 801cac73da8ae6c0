"""A family association staffed by volunteers receives referrals: its org admin names the
volunteers who may answer them (accept, decline, complete). The grant travels in the
principal as the ``referral_receiver`` role, so every service sees it."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.permissions import Perm
from common.testing.principals import auth_header
from services.auth.models import User
from services.auth.operations.common import principal_for
from tests.service.auth.factories import Factory


def test_an_org_admin_names_a_volunteer_who_may_receive_referrals(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    admin = make.tenant(kind="family_association", role="org_admin")
    volunteer = make.user(admin.org_id, "volunteer")
    with sessions() as session:
        user = session.get(User, volunteer.user_id)
        assert user is not None
        assert not principal_for(user).can(Perm.REFERRAL_RESPOND)
    response = client.patch(
        f"/users/{volunteer.user_id}",
        json={"receives_referrals": True},
        headers=auth_header(admin.principal),
    )
    assert response.status_code == 200, response.json
    assert response.json["receives_referrals"] is True
    with sessions() as session:
        user = session.get(User, volunteer.user_id)
        assert user is not None
        principal = principal_for(user)
        assert principal.can(Perm.REFERRAL_RESPOND)
        assert not principal.can(Perm.CASE_READ_SENSITIVE)  # still a volunteer otherwise
        assert principal.can(Perm.CASE_READ_OWN_ONLY)
    listed = client.get(
        f"/organizations/{admin.org_id}/users", headers=auth_header(admin.principal)
    ).json["items"]
    assert {u["id"]: u["receives_referrals"] for u in listed}[str(volunteer.user_id)] is True
    taken_back = client.patch(
        f"/users/{volunteer.user_id}",
        json={"receives_referrals": False},
        headers=auth_header(admin.principal),
    )
    assert taken_back.json["receives_referrals"] is False


def test_only_volunteers_are_named_and_a_new_role_drops_the_grant(
    client: FlaskClient, make: Factory
) -> None:
    admin = make.tenant(kind="family_association", role="org_admin")
    staff = make.user(admin.org_id, "staff")
    refused = client.patch(
        f"/users/{staff.user_id}",
        json={"receives_referrals": True},
        headers=auth_header(admin.principal),
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json["errors"]] == ["receives_referrals"]
    volunteer = make.user(admin.org_id, "volunteer")
    path = f"/users/{volunteer.user_id}"
    client.patch(path, json={"receives_referrals": True}, headers=auth_header(admin.principal))
    promoted = client.patch(path, json={"role": "staff"}, headers=auth_header(admin.principal))
    assert promoted.json["receives_referrals"] is False


def test_only_an_admin_of_the_same_org_names_receivers(client: FlaskClient, make: Factory) -> None:
    admin = make.tenant(kind="family_association", role="org_admin")
    volunteer = make.user(admin.org_id, "volunteer")
    colleague = make.user(admin.org_id, "staff")
    elsewhere = make.tenant(role="org_admin")
    body = {"receives_referrals": True}
    path = f"/users/{volunteer.user_id}"
    # Staff do not see the org's users at all: auth answers 404, as for any user.
    as_staff = client.patch(path, json=body, headers=auth_header(colleague.principal))
    assert as_staff.status_code == 404
    assert (
        client.patch(path, json=body, headers=auth_header(elsewhere.principal)).status_code == 404
    )
