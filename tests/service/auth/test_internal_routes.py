"""Auth's internal routes answer only callers with the service credential.

Before: ``/internal/tokens/resolve`` and ``/internal/sessions`` answered whoever reached the
port, and the latter trusted the client address in the body, so the per-address throttle
could be sidestepped by sending a new address with each guess."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from common.servicekey import HEADER, ServiceCredential
from tests.service.auth.factories import PASSWORD, Factory

INTERNAL_CALLS = [
    ("/internal/sessions", {"email": "x@example.jp", "password": "whatever it is"}),
    ("/internal/sessions/resolve", {"session_token": "s" * 43}),
    ("/internal/sessions/end", {"session_token": "s" * 43}),
    ("/internal/tokens/resolve", {"token": "tsu_" + "t" * 43}),
]


def internal_routes(app: Flask) -> set[str]:
    return {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/internal/")}


def test_every_internal_route_is_covered_here(app: Flask) -> None:
    assert internal_routes(app) == {p for p, _ in INTERNAL_CALLS} | {"/internal/revocations"}


def test_the_revocation_list_needs_the_credential_too(bare_client: FlaskClient) -> None:
    assert bare_client.get("/internal/revocations").status_code == 401


@pytest.mark.parametrize(("path", "body"), INTERNAL_CALLS)
def test_a_caller_without_the_service_credential_gets_401(
    bare_client: FlaskClient, path: str, body: dict[str, str]
) -> None:
    response = bare_client.post(path, json=body)
    assert response.status_code == 401
    assert response.json["code"] == "service_credential_required"  # type: ignore[index]


def test_a_wrong_or_stale_or_replayed_credential_gets_403(
    bare_client: FlaskClient, make: Factory
) -> None:
    member = make.tenant()
    body = {"email": member.email, "password": PASSWORD}
    forged = ServiceCredential(b"not the installation's key", "gateway")
    headers = forged.headers("POST", "/internal/sessions")
    assert bare_client.post("/internal/sessions", json=body, headers=headers).status_code == 403
    stale = f"gateway:{int(time.time()) - 3600}:{'0' * 64}"
    response = bare_client.post("/internal/sessions", json=body, headers={HEADER: stale})
    assert response.status_code == 403
    assert (
        bare_client.post("/internal/sessions", json=body, headers={HEADER: "junk"}).status_code
        == 403
    )


def test_a_credential_for_one_route_does_not_open_another(
    bare_client: FlaskClient, gateway_credential: ServiceCredential, make: Factory
) -> None:
    member = make.tenant()
    lifted = gateway_credential.headers("POST", "/internal/sessions/end")
    response = bare_client.post(
        "/internal/sessions",
        json={"email": member.email, "password": PASSWORD},
        headers=lifted,
    )
    assert response.status_code == 403


def test_the_gateway_signs_in_with_its_credential(client: FlaskClient, make: Factory) -> None:
    member = make.tenant()
    answer = client.post("/internal/sessions", json={"email": member.email, "password": PASSWORD})
    assert answer.status_code == 200
