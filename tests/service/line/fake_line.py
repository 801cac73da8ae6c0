"""A small stand-in for the LINE Messaging API on a loopback port: it records what the SDK
sends and answers what a test asks it to (e.g. 429 with LINE's monthly-limit message)."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Canned:
    status: int
    body: bytes = b"{}"
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeLine:
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    queued: dict[str, deque[Canned]] = field(default_factory=dict)
    quota: dict[str, Any] = field(default_factory=lambda: {"type": "limited", "value": 200})
    consumed: int = 0
    content: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def answer_next(self, path: str, status: int, body: Any = None, **headers: str) -> None:
        raw = json.dumps(body if body is not None else {}).encode()
        self.queued.setdefault(path, deque()).append(Canned(status, raw, headers=headers))

    def calls_to(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]

    def respond(self, method: str, path: str) -> Canned:
        if self.queued.get(path):
            return self.queued[path].popleft()
        if path == "/v2/bot/message/quota":
            return Canned(200, json.dumps(self.quota).encode())
        if path == "/v2/bot/message/quota/consumption":
            return Canned(200, json.dumps({"totalUsage": self.consumed}).encode())
        if path.startswith("/v2/bot/message/") and path.endswith("/content"):
            message_id = path.split("/")[4]
            if message_id not in self.content:
                return Canned(404, b'{"message":"Not found"}')
            data, kind = self.content[message_id]
            return Canned(200, data, kind)
        if path in ("/v2/bot/message/reply", "/v2/bot/message/push"):
            return Canned(200, b'{"sentMessages":[{"id":"1","quoteToken":"q"}]}')
        return Canned(404, b'{"message":"Not found"}')


@contextmanager
def running_fake_line() -> Iterator[FakeLine]:
    fake = FakeLine()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            fake.calls.append(Call(self.command, self.path, dict(self.headers), body))
            canned = fake.respond(self.command, self.path)
            self.send_response(canned.status)
            self.send_header("Content-Type", canned.content_type)
            self.send_header("Content-Length", str(len(canned.body)))
            for name, value in canned.headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(canned.body)

        do_GET = _handle
        do_POST = _handle

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
