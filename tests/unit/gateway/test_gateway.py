"""The gateway with fake upstreams: routing, CSRF, headers, the merged audit log."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from common.config import load_settings
from common.http.client import UpstreamResponse, UpstreamUnavailable
from common.pagination import encode_cursor
from common.testing.principals import Tenant, make_principal, token_for
from common.testing.principals import test_keypair as keypair
from gateway import create_app
from gateway.routes import service_for

Handler = Callable[[str, str, dict[str, str], bytes | None], UpstreamResponse]


def answer(
    status: int, body: Any = None, headers: list[tuple[str, str]] | None = None
) -> UpstreamResponse:
    payload = b"" if body is None else json.dumps(body).encode()
    return UpstreamResponse(status, headers or [("Content-Type", "application/json")], payload)


class FakeClient:
    def __init__(
        self, service: str, handler: Handler, calls: list[tuple[str, str, str, dict[str, str]]]
    ):
        self.service, self.handler, self.calls = service, handler, calls

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> UpstreamResponse:
        self.calls.append((self.service, method, path, dict(headers or {})))
        return self.handler(method, path, dict(headers or {}), body)

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> UpstreamResponse:
        send = dict(headers or {})
        if token:
            send["Authorization"] = f"Bearer {token}"
        if params:
            from urllib.parse import urlencode

            path += "?" + urlencode(params)
        body = json.dumps(json_body).encode() if json_body is not None else None
        return self.request(method, path, body=body, headers=send)


class FakeUpstreams:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, dict[str, str]]] = []
        self.handlers: dict[str, Handler] = {}

    def client(self, service: str) -> FakeClient:
        return FakeClient(
            service, self.handlers.get(service, lambda *a: answer(200, {})), self.calls
        )


STAFF = make_principal(Tenant.new(), role="staff")
SESSION_SECRET = "s" * 43
CSRF = "c" * 43


def auth_handler(
    method: str, path: str, headers: dict[str, str], body: bytes | None
) -> UpstreamResponse:
    if path == "/internal/sessions/resolve":
        if json.loads(body or b"{}").get("session_token") != SESSION_SECRET:
            return answer(401, {"code": "no_session"})
        return answer(
            200,
            {
                "principal_token": token_for(STAFF),
                "expires_in": 300,
                "csrf_token": CSRF,
                "mfa_enrollment_required": False,
                "user": {"id": str(STAFF.user_id), "name": "職員"},
            },
        )
    if path == "/internal/sessions/end":
        return answer(204)
    return answer(200, {"path": path})


@pytest.fixture
def upstreams() -> FakeUpstreams:
    fake = FakeUpstreams()
    fake.handlers["auth"] = auth_handler
    return fake


@pytest.fixture
def app(upstreams: FakeUpstreams) -> Flask:
    # Keys come in the environment, as in a container: the unit tier writes no files.
    settings = load_settings(
        {
            "TSUNAGU_SECRET_KEY": "test-secret-key",
            "TSUNAGU_SERVICE_KEY": "test-service-key",
            "TSUNAGU_PRINCIPAL_PUBLIC_KEY": keypair()[1],
            "TSUNAGU_DEMO": "0",
        }
    )
    return create_app(settings, upstreams=upstreams)  # type: ignore[arg-type]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    c = app.test_client()
    c.set_cookie("tsunagu_session", SESSION_SECRET)
    return c


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("cases", "cases"),
        ("cases/1/contacts", "cases"),
        ("reports/kpi.csv", "reports"),
        ("reports/provision-ledger", "referrals"),
        ("reports/provision-ledger.csv", "referrals"),
        ("referrals/x/messages", "referrals"),
        ("me/mfa/totp", "auth"),
        ("internal/sessions", None),
        ("nothing", None),
    ],
)
def test_each_path_goes_to_the_service_that_owns_it(path: str, service: str | None) -> None:
    assert service_for(path) == service


def test_internal_endpoints_are_not_reachable_through_the_gateway(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/internal/sessions/resolve", json={}, headers={"X-CSRF-Token": CSRF}
    )
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_the_gateway_forwards_the_principal_and_passes_the_body_through_untouched(
    client: FlaskClient, upstreams: FakeUpstreams
) -> None:
    raw = b'{"person": {"display_name": "\\u5c71\\u7530"},   "extra":1}'
    response = client.post(
        "/api/v1/cases?x=1",
        data=raw,
        content_type="application/json",
        headers={"X-CSRF-Token": CSRF},
    )
    assert response.status_code == 200
    service, method, path, headers = upstreams.calls[-1]
    assert (service, method, path) == ("cases", "POST", "/cases?x=1")
    assert headers["Authorization"].startswith("Bearer ey")


def test_versioned_edits_pass_through_if_match_and_etag(
    client: FlaskClient, upstreams: FakeUpstreams
) -> None:
    """A case edit names the version it started from; the gateway carries If-Match to the
    service and the service's ETag (and its 412) back to the client."""
    upstreams.handlers["cases"] = lambda method, path, headers, body: (
        answer(412, {"code": "case_changed"}, [("ETag", '"3"')])
        if headers.get("If-Match") == '"2"'
        else answer(200, {}, [("ETag", '"9"')])
    )
    response = client.patch(
        "/api/v1/cases/x", json={}, headers={"X-CSRF-Token": CSRF, "If-Match": '"2"'}
    )
    assert (response.status_code, response.headers["ETag"]) == (412, '"3"')
    assert client.get("/api/v1/cases/x").headers["ETag"] == '"9"'


def test_unsafe_requests_from_a_session_need_the_csrf_token(client: FlaskClient) -> None:
    refused = client.post("/api/v1/cases", json={})
    assert refused.status_code == 403
    assert refused.json["code"] == "csrf_failed"
    wrong = client.post("/api/v1/cases", json={}, headers={"X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403


def test_a_service_that_is_down_is_a_502_problem(
    client: FlaskClient, upstreams: FakeUpstreams
) -> None:
    def down(*_: Any) -> UpstreamResponse:
        raise UpstreamUnavailable("connection refused")

    upstreams.handlers["cases"] = down
    response = client.get("/api/v1/cases")
    assert response.status_code == 502
    assert response.json["code"] == "upstream_unavailable"


def test_every_answer_carries_security_headers_and_no_store(client: FlaskClient) -> None:
    for path in ("/api/v1/cases", "/login"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"
        assert headers["X-Request-ID"]


def test_the_sign_in_page_does_not_redirect_off_site(app: Flask) -> None:
    from gateway.views.core.session import safe_next as _safe_next

    with app.test_request_context():
        for target in ("https://evil.example/", "//evil.example", "javascript:alert(1)", "x"):
            assert _safe_next(target) == "/"
        assert _safe_next("/cases?q=1") == "/cases?q=1"


def test_the_audit_log_merges_every_services_entries_newest_first(
    client: FlaskClient, upstreams: FakeUpstreams
) -> None:
    def source(service: str, minutes: list[int]) -> Handler:
        def handle(
            method: str, path: str, headers: dict[str, str], body: bytes | None
        ) -> UpstreamResponse:
            if not path.startswith("/audit"):
                return auth_handler(method, path, headers, body)
            items = [
                {
                    "id": str(uuid.UUID(int=m)),
                    "occurred_at": f"2026-11-26T10:{m:02d}:00+00:00",
                    "action": f"{service}.read",
                }
                for m in minutes
            ]
            return answer(200, {"items": items, "next_cursor": None})

        return handle

    upstreams.handlers.update(
        {
            "auth": source("auth", [50, 10]),
            "cases": source("cases", [40, 30]),
            "referrals": source("referrals", [20]),
            "reports": source("reports", []),
        }
    )
    page = client.get("/api/v1/audit?limit=3").json
    assert [e["action"] for e in page["items"]] == ["auth.read", "cases.read", "cases.read"]
    assert page["next_cursor"]
    rest = client.get(f"/api/v1/audit?limit=3&cursor={page['next_cursor']}").json
    # The fakes ignore cursors, so only check the cursor parses and is per service.
    assert "items" in rest
    assert client.get("/api/v1/audit?cursor=%%%").status_code == 422
    assert encode_cursor(["a"])  # the per-service cursor format the services read


def test_a_non_ascii_path_is_forwarded_percent_encoded_not_a_500(
    client: FlaskClient, upstreams: FakeUpstreams
) -> None:
    """Found by the fuzz tier: ``DELETE /api/v1/tokens/%C2%98%7C`` answered 500, because the
    decoded path could not be written into an upstream request line."""
    response = client.delete("/api/v1/tokens/%C2%98%7C%20x", headers={"X-CSRF-Token": CSRF})
    assert response.status_code == 200
    service, method, path, _ = upstreams.calls[-1]
    assert (service, method, path) == ("auth", "DELETE", "/tokens/%C2%98%7C%20x")
    response = client.get("/api/v1/cases/%E5%B1%B1?q=%E5%B1%B1&x=a%26b")
    assert response.status_code == 200
    assert upstreams.calls[-1][2] == "/cases/%E5%B1%B1?q=%E5%B1%B1&x=a%26b"


def test_the_gateway_describes_its_own_operations(client: FlaskClient) -> None:
    """Sign-in, sign-out and the merged audit log are the gateway's; the fuzz tier holds them
    to this document as it holds each service's operations to the service's."""
    document = client.get("/api/v1/openapi.json").json
    operations = {(m, p) for p, methods in document["paths"].items() for m in methods}
    assert operations == {
        ("post", "/api/v1/session"),
        ("delete", "/api/v1/session"),
        ("get", "/api/v1/audit"),
    }
    audit = document["paths"]["/api/v1/audit"]["get"]
    assert audit["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MergedAuditEntryPage"
    }
    assert "service" in document["components"]["schemas"]["MergedAuditEntry"]["properties"]
    assert {p["name"] for p in audit["parameters"]} == {
        "limit",
        "cursor",
        "resource_id",
        "actor_id",
        "from",
        "to",
    }
