"""The gateway with fake upstreams: routing, CSRF, headers, the merged audit log."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

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
        # Looked up at each call: a test may change a service's behaviour after start-up.
        def handler(*args: Any) -> UpstreamResponse:
            return self.handlers.get(service, lambda *a: answer(200, {}))(*args)

        return FakeClient(service, handler, self.calls)


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
            "line": source("line", []),
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


@pytest.mark.parametrize(
    ("environ_path", "forwarded"),
    [
        ("/api/v1/cases/\xe3\x81\x82", "/cases/%E3%81%82"),  # あ, as WSGI hands it over
        ("/api/v1/cases/a b\n", "/cases/a%20b%0A"),
        ("/api/v1/cases/x?y", "/cases/x%3Fy"),  # a decoded %3F stays in the path
    ],
)
def test_a_path_outside_ascii_is_forwarded_percent_encoded(
    client: FlaskClient, upstreams: FakeUpstreams, environ_path: str, forwarded: str
) -> None:
    response = client.get("/", environ_overrides={"PATH_INFO": environ_path})
    assert response.status_code == 200
    assert upstreams.calls[-1][2] == forwarded


def test_a_query_outside_ascii_is_forwarded_percent_encoded(
    client: FlaskClient, upstreams: FakeUpstreams
) -> None:
    client.get("/api/v1/cases", environ_overrides={"QUERY_STRING": "q=\xe3\x81\x82&x=%41"})
    assert upstreams.calls[-1][2] == "/cases?q=%E3%81%82&x=%41"


def test_a_path_that_is_not_utf8_is_a_400_problem(
    client: FlaskClient, upstreams: FakeUpstreams
) -> None:
    response = client.get("/", environ_overrides={"PATH_INFO": "/api/v1/cases/\xff\xfe"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert not [c for c in upstreams.calls if c[0] == "cases"]


class _HugeBody(io.RawIOBase):
    """200 MB that no one should read: it records how much was."""

    def __init__(self) -> None:
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = 64 * 1024 if n is None or n < 0 else min(n, 64 * 1024)
        self.consumed += n
        return b"{" * n


def test_a_huge_sign_in_body_is_413_before_it_is_read(app: Flask, upstreams: FakeUpstreams) -> None:
    """Before: a 200 MB POST /session was read whole by a gateway worker (+579 MB)."""
    body = _HugeBody()
    response = app.test_client().post(
        "/api/v1/session",
        content_type="application/json",
        environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(200 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert body.consumed == 0
    assert not upstreams.calls


def test_a_chunked_sign_in_body_is_refused_once_it_passes_the_limit(
    app: Flask, upstreams: FakeUpstreams
) -> None:
    body = _HugeBody()
    response = app.test_client().post(
        "/api/v1/session",
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": ""},
    )
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert body.consumed <= 1024 * 1024 + 64 * 1024
    assert not upstreams.calls


def test_an_import_upload_may_be_larger_than_a_json_body(
    client: FlaskClient, upstreams: FakeUpstreams
) -> None:
    two_mib = b"a,b\n" * (512 * 1024)
    upload = client.post(
        "/api/v1/imports", data=two_mib, content_type="text/csv", headers={"X-CSRF-Token": CSRF}
    )
    assert upload.status_code == 200
    assert upstreams.calls[-1][:3] == ("cases", "POST", "/imports")
    other = client.post(
        "/api/v1/cases", data=two_mib, content_type="text/csv", headers={"X-CSRF-Token": CSRF}
    )
    assert other.status_code == 413


@pytest.mark.parametrize("depth", [65, 100_000])
def test_deeply_nested_json_at_sign_in_is_422_not_500(
    app: Flask, upstreams: FakeUpstreams, depth: int
) -> None:
    response = app.test_client().post(
        "/api/v1/session",
        data=b'{"email":' + b"[" * depth + b"]" * depth + b"}",
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["code"] == "json_depth"
    assert not upstreams.calls


def _auth_down(kind: str) -> Handler:
    """Auth failing the way it failed in issue 13's disk-full run, or not there at all."""

    def handler(
        method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> UpstreamResponse:
        if kind == "unreachable":
            raise UpstreamUnavailable("connection refused")
        if kind == "garbage":
            return UpstreamResponse(200, [], b"<html>proxy</html>")
        return answer(int(kind), {"code": "500"})

    return handler


def _session_cookie_deleted(response: Any) -> bool:
    return any(
        h.startswith("tsunagu_session=") and ("Max-Age=0" in h or "expires=Thu, 01 Jan 1970" in h)
        for h in response.headers.getlist("Set-Cookie")
    )


@pytest.mark.parametrize("kind", ["500", "503", "unreachable", "garbage"])
def test_an_unavailable_auth_is_503_and_keeps_the_session(
    client: FlaskClient, upstreams: FakeUpstreams, kind: str
) -> None:
    """Before: any 5xx from auth was taken for a refusal: 401 and the cookie deleted."""
    upstreams.handlers["auth"] = _auth_down(kind)
    response = client.post("/api/v1/cases", json={}, headers={"X-CSRF-Token": CSRF})
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "auth_unavailable"
    assert response.headers["Retry-After"]
    assert not _session_cookie_deleted(response)
    assert not [c for c in upstreams.calls if c[0] == "cases"]
    tokened = client.get("/api/v1/cases", headers={"Authorization": "Bearer tgu_x"})
    assert tokened.status_code == 503


@pytest.mark.parametrize("kind", ["500", "unreachable"])
def test_a_page_while_auth_is_unavailable_is_a_japanese_503_and_keeps_the_session(
    client: FlaskClient, upstreams: FakeUpstreams, kind: str
) -> None:
    upstreams.handlers["auth"] = _auth_down(kind)
    response = client.get("/cases/", headers={"Accept-Language": "ja"})
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert "サインインは続いています" in response.get_data(as_text=True)
    assert not _session_cookie_deleted(response)


def test_sign_in_and_sign_out_while_auth_is_unavailable_are_503(
    client: FlaskClient, upstreams: FakeUpstreams
) -> None:
    upstreams.handlers["auth"] = _auth_down("500")
    signed_in = client.post("/api/v1/session", json={"email": "a@example.jp", "password": "x"})
    assert signed_in.status_code == 503
    assert signed_in.json["code"] == "auth_unavailable"
    signed_out = client.delete("/api/v1/session", headers={"X-CSRF-Token": CSRF})
    assert signed_out.status_code == 503
    assert not _session_cookie_deleted(signed_out)
    page = client.post(
        "/login",
        data={"f-email": "a@example.jp", "password": "x"},
        headers={"Accept-Language": "ja"},
    )
    assert page.status_code in (400, 503)  # 400 only if the form's CSRF check comes first


def test_only_a_refusal_from_auth_signs_out(client: FlaskClient, upstreams: FakeUpstreams) -> None:
    upstreams.handlers["auth"] = lambda method, path, headers, body: answer(
        401, {"code": "no_session"}
    )
    response = client.get("/api/v1/cases")
    assert _session_cookie_deleted(response)
    client.set_cookie("tsunagu_session", SESSION_SECRET)
    page = client.get("/cases/")
    assert page.status_code == 302
    assert _session_cookie_deleted(page)


def test_the_idempotency_key_is_forwarded_and_the_replay_marker_comes_back(
    client: FlaskClient, upstreams: FakeUpstreams
) -> None:
    upstreams.handlers["cases"] = lambda method, path, headers, body: answer(
        201, {"id": "c1"}, [("Content-Type", "application/json"), ("Idempotent-Replayed", "true")]
    )
    response = client.post(
        "/api/v1/cases", json={}, headers={"X-CSRF-Token": CSRF, "Idempotency-Key": "k-1"}
    )
    assert upstreams.calls[-1][3]["Idempotency-Key"] == "k-1"
    assert response.headers["Idempotent-Replayed"] == "true"


def test_a_page_refuses_a_body_over_the_limit_with_a_page_and_the_import_page_takes_more(
    client: FlaskClient, upstreams: FakeUpstreams
) -> None:
    big = {"csrf_token": CSRF, "note": "x" * (1024 * 1024 + 10)}
    refused = client.post("/cases/new", data=big, headers={"Accept-Language": "ja"})
    assert refused.status_code == 413
    assert refused.mimetype == "text/html"
    upstreams.handlers["cases"] = lambda method, path, headers, body: answer(
        202, {"id": "j1"}, [("Content-Type", "application/json")]
    )
    form = {"csrf_token": CSRF, "file": FileStorage(io.BytesIO(b"a,b\n" * (512 * 1024)), "a.csv")}
    stream, length, boundary = stream_encode_multipart(form, use_tempfile=False)
    upload = client.post(
        "/cases/imports",
        data=stream.read(),
        content_type=f'multipart/form-data; boundary="{boundary}"',
    )
    assert length > 2 * 1024 * 1024
    assert upload.status_code == 302
    assert upstreams.calls[-1][:2] == ("cases", "POST")
