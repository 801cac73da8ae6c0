"""Issue 13's availability attacks on real processes: what one client sends must not
change what another client gets."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from common.http.client import ServiceClient
from tests.e2e.helpers import new_world
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e


def _raw_request(url: str, request_line: bytes) -> bytes:
    """Send a request line as bytes (a UTF-8 path no HTTP library would send)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request_line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_non_ascii_paths_do_not_poison_the_gateways_upstream_connections(any_stack: Stack) -> None:
    """Before: each answered 500 and left the gateway's kept-alive connection to the
    service half-written; after 30 of them 22 of 120 writes of another tenant got 502."""
    attacker = new_world(any_stack, {"a": "npo"}).user("a.staff")
    victim = new_world(any_stack, {"v": "npo"}).user("v.staff")
    for i in range(15):
        answer = attacker.request("GET", f"/api/v1/cases/%E3%81%82{i}", expect=None)
        assert answer.status == 404, answer.body
        assert answer.header("Content-Type") == "application/problem+json"
        posted = attacker.request("POST", "/api/v1/cases/%E3%81%82/notes", {}, expect=None)
        assert posted.status == 404
    for line in (
        "GET /api/v1/cases/あいう HTTP/1.1".encode(),
        b"POST /api/v1/cases/\xff\xfe HTTP/1.1",
    ):
        raw = _raw_request(any_stack.url(), line)
        status = int(raw.split(b" ", 2)[1])
        assert status in (400, 401, 404), raw[:300]
    for i in range(100):
        victim.post("/cases", {"person": {"display_name": f"利用者 {i}"}})
    listed = victim.get("/cases?limit=100")
    assert len(listed["items"]) == 100


def test_a_service_answers_a_non_ascii_path_with_a_problem_not_a_500(any_stack: Stack) -> None:
    raw = _raw_request(any_stack.url("cases"), "GET /cases/あ HTTP/1.1".encode())
    assert int(raw.split(b" ", 2)[1]) in (400, 401, 404)
    assert ServiceClient(any_stack.url("cases")).request("GET", "/cases/%E3%81%82").status in (
        401,
        404,
    )


def test_a_huge_sign_in_body_is_refused_from_its_length(any_stack: Stack) -> None:
    """Before: a 200 MB POST /session was read whole by a gateway worker and got 502."""
    for url, path in (
        (any_stack.url(), "/api/v1/session"),
        (any_stack.url("auth"), "/internal/sessions"),
    ):
        parts = urlsplit(url)
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
            sock.sendall(
                f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: {200 * 1024 * 1024}\r\n\r\n".encode()
                + b"{" * 65536
            )
            head = sock.recv(65536)
        assert head.split(b" ", 2)[1] == b"413", head[:300]
        assert b"application/problem+json" in head


def test_a_retried_post_through_the_gateway_creates_one_case(any_stack: Stack) -> None:
    staff = new_world(any_stack, {"m": "npo"}).user("m.staff")
    body = {"person": {"display_name": "再送 太郎"}}
    key = {"Idempotency-Key": "e2e-retry-1"}
    first = staff.request("POST", "/api/v1/cases", body, headers=key, expect=201)
    again = staff.request("POST", "/api/v1/cases", body, headers=key, expect=201)
    assert again.json() == first.json()
    assert again.header("Idempotent-Replayed") == "true"
    assert len(staff.get("/cases")["items"]) == 1


def test_web_workers_keep_their_metrics_files_off_the_data_disk(any_stack: Stack) -> None:
    """A full data disk once killed web workers with SIGBUS through these mapped files."""
    environ = Path(f"/proc/{any_stack.processes['gateway'].pid}/environ").read_bytes()
    variables = dict(v.split(b"=", 1) for v in environ.split(b"\0") if b"=" in v)
    folder = Path(variables[b"PROMETHEUS_MULTIPROC_DIR"].decode())
    assert not folder.is_relative_to(Path(any_stack.env["TSUNAGU_DATA_DIR"]))
    assert any(folder.iterdir())  # the workers write there


def test_a_chunked_body_is_refused_once_it_passes_the_limit(any_stack: Stack) -> None:
    chunk = b"{" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(18))  # 1.1 MiB
    for url, path in ((any_stack.url(), "/api/v1/session"), (any_stack.url("cases"), "/cases")):
        parts = urlsplit(url)
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
            sock.sendall(
                f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n".encode()
                + body
            )
            head = sock.recv(65536)
        assert head.split(b" ", 2)[1] == b"413", head[:300]
        assert b"application/problem+json" in head
