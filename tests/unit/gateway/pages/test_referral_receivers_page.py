"""The org admin of a family association names the volunteers who receive referrals, from
the people list of the organization page."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.unit.gateway.pages import data
from tests.unit.gateway.pages.harness import FakeServices, html, sign_in


def test_the_org_admin_names_a_volunteer_to_receive_referrals(
    app: Flask, services: FakeServices
) -> None:
    admin = sign_in(app, services, role="org_admin", kind="family_association")
    org = str(admin.principal.org_id)
    volunteer: dict[str, Any] = {
        "id": data.new_id(),
        "org_id": org,
        "email": "v@example.jp",
        "name": "上村 さとみ",
        "role": "volunteer",
        "active": True,
        "status": "active",
        "receives_referrals": False,
    }
    services.auth.on(
        "GET",
        "/organizations/{id}",
        {"id": org, "name": "鹿児島家族会", "kind": "family_association", "status": "active"},
    )
    services.auth.on("GET", "/organizations/{id}/users", data.page([volunteer]))
    services.auth.on("GET", "/users/{id}", volunteer)
    services.auth.on("PATCH", "/users/{id}", volunteer | {"receives_referrals": True})
    page = html(admin.get(f"/admin/organizations/{org}"))
    assert "紹介の受け手に指名する" in page
    done = admin.post(f"/admin/users/{volunteer['id']}", {"receives_referrals": "true"})
    assert done.status_code == 302
    assert services.auth.last("PATCH", "/users/{id}").body == {"receives_referrals": True}
