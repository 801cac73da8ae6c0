from __future__ import annotations

from flask.testing import FlaskClient

from common.testing.principals import Tenant, auth_header, make_principal


def test_a_request_without_a_principal_token_is_refused_by_the_service_itself(
    client: FlaskClient,
) -> None:
    response = client.get("/me")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_the_platform_admin_creates_a_consortium(client: FlaskClient) -> None:
    admin = make_principal(role="platform_admin")
    response = client.post(
        "/consortia",
        json={"name": "鹿児島県コンソーシアム", "prefecture": "鹿児島県"},
        headers=auth_header(admin),
    )
    assert response.status_code == 201, response.json
    assert response.json["prefecture"] == "鹿児島県"


def test_staff_may_not_create_a_consortium(client: FlaskClient) -> None:
    staff = make_principal(Tenant.new(), role="staff")
    response = client.post(
        "/consortia", json={"name": "x", "prefecture": "山梨県"}, headers=auth_header(staff)
    )
    assert response.status_code == 403
