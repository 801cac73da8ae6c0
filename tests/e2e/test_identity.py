"""Issue 2 end to end, through the gateway, on real processes, in both run modes."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
import sqlalchemy as sa

from tests.e2e.helpers import PASSWORD, invitation_token, new_world
from tests.e2e.stack import Stack, wait_for
from tsunagu.demo.client import ApiFailure

pytestmark = pytest.mark.e2e


def test_an_admin_registers_a_member_and_invites_a_person_who_joins_and_signs_in(
    any_stack: Stack,
) -> None:
    admin = any_stack.admin()
    consortium = admin.post(
        "/consortia", {"name": f"鹿児島 {secrets.token_hex(3)}", "prefecture": "鹿児島県"}
    )
    org = admin.post(
        "/organizations",
        {
            "consortium_id": consortium["id"],
            "name": "かごしまサポステ",
            "kind": "support_station",
            "sector": "private",
        },
    )
    assert org["status"] == "active"
    invited = admin.post(
        f"/organizations/{org['id']}/users",
        {
            "email": f"staff-{secrets.token_hex(3)}@e2e.example",
            "name": "山下 健",
            "role": "org_admin",
        },
    )
    # The platform admin never sees the link: it reaches the invitee by e-mail only.
    assert "token" not in invited["invitation"]
    assert "url" not in invited["invitation"]
    token = invitation_token(any_stack, invited["email"])
    accept_path = f"/invitations/{token}/accept"
    any_stack.client().post(accept_path, {"password": PASSWORD})
    with pytest.raises(ApiFailure) as reused:
        any_stack.client().post(accept_path, {"password": PASSWORD})
    assert reused.value.response.status == 404

    person = any_stack.client()
    signed_in = person.sign_in(invited["email"], PASSWORD)
    assert signed_in["user"]["org_id"] == org["id"]
    me = person.get("/me")
    assert me["org"]["name"] == "かごしまサポステ"
    assert me["csrf_token"] == person.csrf_token
    # Landing in their own organization: they administer it and nothing else.
    assert [o["id"] for o in person.get("/organizations")["items"]] == [org["id"]]


def test_org_registered_reaches_cases_referrals_and_reports(any_stack: Stack) -> None:
    world = new_world(any_stack, {"npo": "npo"}, roles=())
    org_id = world.orgs["npo"].replace("-", "")

    def in_directory(service: str) -> bool:
        with any_stack.database(service) as connection:
            rows = connection.execute(sa.text("SELECT org_id FROM org_directory")).scalars()
            return any(str(r).replace("-", "") == org_id for r in rows)

    for service in any_stack.services:
        if service != "auth":
            wait_for(lambda s=service: in_directory(s), timeout=30)


def test_a_suspended_orgs_sessions_end_and_it_leaves_the_directory(any_stack: Stack) -> None:
    world = new_world(
        any_stack, {"center": "prefectural_center", "member": "npo"}, roles=("staff",)
    )
    world.add_user("center", "consortium_admin")
    member = world.user("member.staff")
    colleague = world.user("center.staff")
    assert world.orgs["member"] in {o["id"] for o in colleague.get("/directory")["items"]}

    world.user("center.consortium_admin").post(
        f"/organizations/{world.orgs['member']}/suspend", {"reason": "契約期間の終了"}
    )

    def refused() -> bool:
        return member.request("GET", "/api/v1/me", expect=None).status == 401

    wait_for(refused, timeout=10)
    assert world.orgs["member"] not in {o["id"] for o in colleague.get("/directory")["items"]}
    with pytest.raises(ApiFailure) as blocked:
        any_stack.client().sign_in(world.emails["member.staff"], PASSWORD)
    assert blocked.value.response.status == 401


def test_a_forged_cookie_and_a_missing_csrf_token_are_refused(any_stack: Stack) -> None:
    world = new_world(any_stack, {"npo": "npo"}, roles=("org_admin",))
    admin = world.user("npo.org_admin")
    forged = any_stack.client()
    forged.cookie = secrets.token_urlsafe(32)
    assert forged.request("GET", "/api/v1/me", expect=None).status == 401
    no_csrf = any_stack.client()
    no_csrf.cookie = admin.cookie
    response = no_csrf.request("POST", "/api/v1/tokens", {"name": "x"}, expect=None)
    assert response.status == 403
    assert response.json()["code"] == "csrf_failed"


def test_a_service_that_is_down_gives_a_502_problem(stack: Stack) -> None:
    admin = stack.admin()
    stack.stop_process("reports")
    try:
        response = admin.request("GET", "/api/v1/reports/kpi", expect=None)
        assert response.status == 502
        assert response.header("Content-Type") == "application/problem+json"
    finally:
        stack.start_process("reports")
        stack.wait_ready()


def _session_cookie_set(response: Any) -> bool:
    return any(
        k.lower() == "set-cookie" and v.startswith("tsunagu_session=") for k, v in response.headers
    )


def test_auth_down_is_a_503_that_keeps_the_session(stack: Stack) -> None:
    """Before: auth failing was taken for a refusal — 401 and the cookie deleted."""
    admin = stack.admin()
    stack.stop_process("auth")
    try:
        response = admin.request("GET", "/api/v1/consortia", expect=None)
        assert response.status == 503
        assert response.json()["code"] == "auth_unavailable"
        assert not _session_cookie_set(response)
        page = admin.request("GET", "/", expect=None, headers={"Accept-Language": "ja"})
        assert page.status == 503
        assert "サインインは続いています" in page.body.decode()
        assert not _session_cookie_set(page)
    finally:
        stack.start_process("auth")
        stack.wait_ready()
    assert admin.get("/consortia")["items"] is not None  # the same cookie works again
