"""The packet port over real HTTP, against a keep-alive stub of the cases service on loopback."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from common.errors import Forbidden, Unavailable, ValidationFailed
from services.referrals.cases_client import CaseNotFound, HttpPacketSource, PacketRequest

CASE = uuid.uuid4()
CONSENT = uuid.uuid4()
RECEIVER = uuid.uuid4()


class Stub:
    """What the cases service answers; records what it was asked."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.body: Any = {
            "case_id": str(CASE),
            "person_key": str(uuid.uuid4()),
            "packet": {
                "categories": ["identity"],
                "anonymous": False,
                "person": {"age_band": "30s"},
            },
            "consent": {
                "id": str(CONSENT),
                "case_id": str(CASE),
                "to_org_ids": [str(RECEIVER)],
                "categories": ["identity"],
                "obtained_at": "2026-04-01T00:00:00+00:00",
                "expires_at": None,
                "withdrawn_at": None,
                "active": True,
            },
        }


def handler_for(stub: Stub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as gunicorn speaks it

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            stub.requests.append(
                {
                    "path": url.path,
                    "args": dict(parse_qsl(url.query, keep_blank_values=True)),
                    "auth": self.headers.get("Authorization"),
                    "port": self.client_address[1],
                }
            )
            payload = json.dumps(stub.body).encode()
            self.send_response(stub.status)
            kind = "application/problem+json" if stub.status >= 400 else "application/json"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def stub() -> Iterator[tuple[Stub, str]]:
    app = Stub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(app))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def connect() -> Iterator[Callable[..., HttpPacketSource]]:
    opened: list[HttpPacketSource] = []

    def open_source(url: str, **kwargs: Any) -> HttpPacketSource:
        opened.append(HttpPacketSource(url, **kwargs))
        return opened[-1]

    yield open_source
    for source in opened:
        source.close()


REQUEST = PacketRequest(
    case_id=CASE, categories=["identity", "history"], to_org_id=RECEIVER, consent_id=CONSENT
)


def test_the_packet_is_asked_for_with_the_senders_token_and_the_documented_query(
    stub: tuple[Stub, str], connect: Callable[..., HttpPacketSource]
) -> None:
    app, url = stub
    answer = connect(url).fetch("the-senders-token", REQUEST)
    (seen,) = app.requests
    assert seen["path"] == f"/cases/{CASE}/packet"
    assert seen["args"] == {
        "categories": "identity,history",
        "to_org_id": str(RECEIVER),
        "consent_id": str(CONSENT),
        "purpose": "referral",
    }
    assert seen["auth"] == "Bearer the-senders-token"
    assert answer.case_id == CASE
    assert answer.consent is not None
    assert answer.consent.to_org_ids == frozenset({RECEIVER})
    assert answer.consent.active
    assert answer.consent.expires_at is None


def test_an_anonymous_request_names_no_consent(
    stub: tuple[Stub, str], connect: Callable[..., HttpPacketSource]
) -> None:
    app, url = stub
    app.body["consent"] = None
    request = PacketRequest(
        case_id=CASE, categories=[], to_org_id=RECEIVER, consent_id=None, anonymous=True
    )
    assert connect(url).fetch("t", request).consent is None
    assert app.requests[0]["args"] == {
        "categories": "",
        "to_org_id": str(RECEIVER),
        "anonymous": "true",
        "purpose": "referral",
    }


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (404, {"title": "Not found"}, CaseNotFound),
        (403, {"title": "Forbidden"}, Forbidden),
        (
            422,
            {"errors": [{"field": "categories", "message": "x", "code": "bad"}]},
            ValidationFailed,
        ),
        (500, {"title": "boom"}, Unavailable),
        (200, {"unexpected": True}, Unavailable),
    ],
)
def test_the_cases_services_refusals_and_failures_map_to_problems(
    stub: tuple[Stub, str],
    connect: Callable[..., HttpPacketSource],
    status: int,
    body: Any,
    error: type[Exception],
) -> None:
    app, url = stub
    app.status, app.body = status, body
    with pytest.raises(error):
        connect(url).fetch("t", REQUEST)


def test_a_cases_service_that_is_down_is_unavailable(
    connect: Callable[..., HttpPacketSource],
) -> None:
    with pytest.raises(Unavailable):
        connect("http://127.0.0.1:9", timeout=1).fetch("t", REQUEST)


def test_repeated_calls_reuse_one_keep_alive_connection(
    stub: tuple[Stub, str], connect: Callable[..., HttpPacketSource]
) -> None:
    app, url = stub
    source = connect(url)
    for _ in range(3):
        source.fetch("t", REQUEST)
    assert len({r["port"] for r in app.requests}) == 1
