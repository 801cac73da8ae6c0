"""Bodies refused by size before they are read, JSON refused by depth before it is parsed."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from common.http.bodylimit import BodyLimit, BodyLimits, LargerBody, json_too_deep


class CountingInput(io.RawIOBase):
    """A request body of ``size`` bytes that records how much of it was read."""

    def __init__(self, size: int) -> None:
        self.size, self.consumed = size, 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.size - self.consumed if n is None or n < 0 else min(n, self.size - self.consumed)
        self.consumed += n
        return b"x" * n


def call(
    limits: BodyLimits, method: str, path: str, body: CountingInput, *, chunked: bool = False
) -> tuple[str, dict[str, str], bytes, dict[str, Any]]:
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen["body"] = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        start_response("200 OK", [])
        return [b"ok"]

    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path, "wsgi.input": body}
    if chunked:
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    else:
        environ["CONTENT_LENGTH"] = str(body.size)
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer["status"], answer["headers"] = status, dict(headers)

    out = b"".join(BodyLimit(app, limits)(environ, start_response))
    return answer["status"], answer["headers"], out, seen


LIMITS = BodyLimits(1024, (LargerBody("POST", "/imports", 4096),))


def test_a_declared_length_over_the_limit_is_413_with_nothing_read() -> None:
    body = CountingInput(200 * 1024 * 1024)
    status, headers, out, seen = call(LIMITS, "POST", "/session", body)
    assert status.startswith("413")
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(out)["status"] == 413
    assert body.consumed == 0
    assert not seen


def test_a_chunked_body_is_read_only_up_to_the_limit() -> None:
    body = CountingInput(200 * 1024 * 1024)
    status, _headers, _out, seen = call(LIMITS, "POST", "/session", body, chunked=True)
    assert status.startswith("413")
    assert body.consumed == 1025
    assert not seen


def test_a_chunked_body_within_the_limit_reaches_the_app_with_its_length() -> None:
    status, _headers, out, seen = call(LIMITS, "POST", "/x", CountingInput(1000), chunked=True)
    assert (status, out, seen["body"]) == ("200 OK", b"ok", b"x" * 1000)


def test_an_upload_route_takes_its_larger_limit_and_only_that_route() -> None:
    assert call(LIMITS, "POST", "/imports", CountingInput(4096))[0] == "200 OK"
    assert call(LIMITS, "POST", "/imports", CountingInput(4097))[0].startswith("413")
    assert call(LIMITS, "POST", "/imports/x/commit", CountingInput(2000))[0].startswith("413")
    assert call(LIMITS, "PUT", "/imports", CountingInput(2000))[0].startswith("413")


def test_a_malformed_length_is_400() -> None:
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "CONTENT_LENGTH": "-5"}
    statuses: list[str] = []
    BodyLimit(lambda e, s: [b""], LIMITS)(environ, lambda status, h: statuses.append(status))
    assert statuses[0].startswith("400")


@pytest.mark.parametrize(
    ("raw", "deep"),
    [
        (b"[" * 65 + b"]" * 65, True),
        (b"[" * 64 + b"]" * 64, False),
        (b'{"a":' * 70 + b"1" + b"}" * 70, True),
        (b'{"a": "' + b"[" * 500 + b'"}', False),  # brackets inside a string do not nest
        (b'{"a": "\\"' + b"{" * 500 + b'"}', False),  # nor after an escaped quote
        (b"[" * 100_000, True),  # unbalanced: still refused before the parser recurses
        (json.dumps([[1, [2]]] * 1000).encode(), False),  # wide is fine
    ],
)
def test_json_depth_is_judged_on_the_bytes(raw: bytes, deep: bool) -> None:
    assert json_too_deep(raw, 64) is deep
