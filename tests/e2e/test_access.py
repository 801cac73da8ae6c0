"""Issue 13's access attacks, end to end on real processes, in both run modes.

No test here asserts time: revocation windows are measured by tests/bench/bench_revocation.py.
Where a refusal travels by events, the test waits for it (bounded) and asserts the refusal."""

from __future__ import annotations

import pytest

from common.http.client import ServiceClient
from tests.e2e.helpers import PASSWORD, new_world, principal_token_for
from tests.e2e.stack import Stack, wait_for
from tsunagu.demo.client import ApiFailure, GatewayClient

pytestmark = pytest.mark.e2e


def test_a_consortium_admin_cannot_plant_a_case_worker_in_a_member(any_stack: Stack) -> None:
    """Before: she invited a staff user with her own address into a member, took the token
    from the answer, accepted it, and read the member's cases and sensitive notes."""
    world = new_world(
        any_stack, {"center": "prefectural_center", "member": "npo"}, roles=("org_admin",)
    )
    world.add_user("center", "consortium_admin")
    world.add_user("member", "staff")
    case = world.user("member.staff").post(
        "/cases", {"person": {"display_name": "鈴木 一郎", "birth_year": 1980}}
    )
    world.user("member.staff").post(
        f"/cases/{case['id']}/notes", {"category": "illness", "body": "通院中（診断名あり）"}
    )
    consortium_admin = world.user("center.consortium_admin")
    with pytest.raises(ApiFailure) as refused:
        consortium_admin.post(
            f"/organizations/{world.orgs['member']}/users",
            {"email": "planted@center.example", "name": "偽の職員", "role": "staff"},
        )
    assert refused.value.response.status == 403
    assert b"token" not in refused.value.response.body
    people = world.user("member.org_admin").get(f"/organizations/{world.orgs['member']}/users")
    assert "planted@center.example" not in {p["email"] for p in people["items"]}
    # Nor through an account she may add (a consortium admin) turned into a case worker.
    liaison = consortium_admin.post(
        f"/organizations/{world.orgs['member']}/users",
        {"email": "liaison@center.example", "name": "連絡員", "role": "consortium_admin"},
    )
    assert "token" not in liaison["invitation"]
    with pytest.raises(ApiFailure) as demoted:
        consortium_admin.request(
            "PATCH", f"/api/v1/users/{liaison['id']}", {"role": "staff"}, expect=(200,)
        )
    assert demoted.value.response.status == 403
    assert consortium_admin.request("GET", f"/api/v1/cases/{case['id']}", expect=None).status in (
        403,
        404,
    )


def test_ended_credentials_are_refused_by_the_gateway_and_by_a_service_reached_directly(
    any_stack: Stack,
) -> None:
    world = new_world(any_stack, {"npo": "npo"}, roles=("org_admin", "staff"))
    admin = world.user("npo.org_admin")
    staff = world.user("npo.staff")
    pat = staff.post("/tokens", {"name": "集計"})
    api = GatewayClient(any_stack.url())
    api.bearer = pat["token"]
    assert api.get("/cases")["items"] == []
    minted = principal_token_for(any_stack, pat["token"])
    cases = ServiceClient(any_stack.url("cases"))
    assert cases.call("GET", "/cases", token=minted).status == 200

    # DELETE /tokens/{id}: the token and what was minted from it are refused.
    staff.request("DELETE", f"/api/v1/tokens/{pat['id']}", expect=204)
    wait_for(lambda: api.request("GET", "/api/v1/cases", expect=None).status == 401, timeout=15)
    wait_for(lambda: cases.call("GET", "/cases", token=minted).status == 401, timeout=15)

    # Deactivation: the session cookie through the gateway, a fresh token's principal
    # directly on the cases service, reads and writes alike.
    second = staff.post("/tokens", {"name": "second"})
    minted_again = principal_token_for(any_stack, second["token"])
    me = staff.get("/me")
    admin.request("PATCH", f"/api/v1/users/{me['id']}", {"active": False}, expect=200)
    wait_for(lambda: staff.request("GET", "/api/v1/me", expect=None).status == 401, timeout=15)
    wait_for(lambda: cases.call("GET", "/cases", token=minted_again).status == 401, timeout=15)
    write = cases.call(
        "POST", "/cases", token=minted_again, json_body={"person": {"display_name": "x"}}
    )
    assert write.status == 401


def test_a_password_change_signs_out_the_other_sessions(any_stack: Stack) -> None:
    world = new_world(any_stack, {"npo": "npo"}, roles=("staff",))
    here = world.user("npo.staff")
    elsewhere = any_stack.client()
    elsewhere.sign_in(world.emails["npo.staff"], PASSWORD)
    here.post(
        "/me/password",
        {"current_password": PASSWORD, "new_password": "lantern orchard velvet compass"},
    )
    wait_for(lambda: elsewhere.request("GET", "/api/v1/me", expect=None).status == 401, timeout=15)
    assert here.get("/me")["email"] == world.emails["npo.staff"]
