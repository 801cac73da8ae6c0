"""Request bodies are refused by size before they are read, and JSON by depth before it is
parsed — in the gateway and in every service (issue 13: a 200 MB ``POST /session`` once
added ~579 MB to a gateway worker).

:class:`BodyLimit` is WSGI middleware in front of the whole app:

- a ``Content-Length`` over the request's limit is answered 413 at once, nothing read;
- a chunked body (no ``Content-Length``) is read into memory only up to the limit: one byte
  more and it is answered 413; within the limit it is handed on with its length set, so the
  app below sees an ordinary body.

The limit is 1 MiB by default; a few routes (a spreadsheet import) name a larger one.
Under waitress (the embedded mode) the server itself is told the largest limit, because it
buffers a body before the app is called: beyond it waitress answers 413 itself.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

MIB = 1024 * 1024
DEFAULT_BODY_BYTES = 1 * MIB
MAX_JSON_DEPTH = 64
_READ_CHUNK = 64 * 1024

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class LargerBody:
    """A route (``method`` and exact ``path``) that may receive more than the default."""

    method: str
    path: str
    max_bytes: int


@dataclass(frozen=True)
class BodyLimits:
    default: int = DEFAULT_BODY_BYTES
    larger: tuple[LargerBody, ...] = ()

    def for_request(self, method: str, path: str) -> int:
        for route in self.larger:
            if method == route.method and path.rstrip("/") == route.path:
                return route.max_bytes
        return self.default

    @property
    def largest(self) -> int:
        return max([self.default, *(r.max_bytes for r in self.larger)])


def _problem(status: int, title: str, detail: str, code: str) -> bytes:
    return json.dumps(
        {
            "type": f"https://tsunagu.example/problems/{code}",
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
        },
        ensure_ascii=False,
    ).encode()


class BodyLimit:
    def __init__(
        self, app: WsgiApp, limits: BodyLimits, only_under: tuple[str, ...] | None = None
    ) -> None:
        """``only_under``: path prefixes this guards (None: all); the gateway leaves its
        pages to Flask, which refuses with a page in the user's language."""
        self.app = app
        self.limits = limits
        self.only_under = only_under

    def _refuse(self, start_response: StartResponse, status: str, body: bytes) -> Iterable[bytes]:
        start_response(
            status,
            [
                ("Content-Type", "application/problem+json"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [body]

    def _too_large(self, start_response: StartResponse, limit: int) -> Iterable[bytes]:
        detail = f"The request body may be at most {limit} bytes."
        return self._refuse(
            start_response,
            "413 Content Too Large",
            _problem(413, "Content too large", detail, "body_too_large"),
        )

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "")
        if self.only_under is not None and not path.startswith(self.only_under):
            return self.app(environ, start_response)
        limit = self.limits.for_request(method, path)
        declared = environ.get("CONTENT_LENGTH") or ""
        if declared.strip():
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0:
                return self._refuse(
                    start_response,
                    "400 Bad Request",
                    _problem(400, "Bad request", "Content-Length is malformed.", "bad_length"),
                )
            if length > limit:
                return self._too_large(start_response, limit)
            return self.app(environ, start_response)
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            stream = environ["wsgi.input"]
            received = bytearray()
            while chunk := stream.read(min(_READ_CHUNK, limit + 1 - len(received))):
                received += chunk
                if len(received) > limit:
                    return self._too_large(start_response, limit)
            environ["wsgi.input"] = io.BytesIO(bytes(received))
            environ["CONTENT_LENGTH"] = str(len(received))
        return self.app(environ, start_response)


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def json_too_deep(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects in ``raw`` nest deeper than ``max_depth`` — checked on the
    bytes, before the parser recurses into them (brackets inside strings do not count)."""
    if raw.count(b"[") + raw.count(b"{") <= max_depth:
        return False
    depth = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False
