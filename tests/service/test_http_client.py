"""The services' HTTP client against a real loopback server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from common.http.client import ServiceClient


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the services answer

    def do_GET(self) -> None:
        body = self.path.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass

    do_POST = do_GET


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_request_that_cannot_be_sent_does_not_poison_the_kept_alive_connection(
    server: str,
) -> None:
    """A request http.client gives up on half-way (here a header it cannot encode, after the
    request line went out) once left the connection mid-request, so the next caller's
    request on it failed too (issue 13: one client's request affected others)."""
    client = ServiceClient(server)
    assert client.request("GET", "/first").body == b"/first"
    with pytest.raises(UnicodeEncodeError):
        client.request("POST", "/tokens", headers={"X-Name": "山田"})
    # A POST is not retried on a fresh connection: it must find a clean one.
    assert client.request("POST", "/next", body=b"{}").body == b"/next"


def test_a_target_outside_ascii_is_refused_before_the_connection_is_touched(
    server: str,
) -> None:
    client = ServiceClient(server)
    assert client.request("GET", "/first").body == b"/first"
    with pytest.raises(ValueError, match="percent-encoded"):
        client.request("POST", "/tokens/\x98|")
    assert client.request("POST", "/next", body=b"{}").body == b"/next"
