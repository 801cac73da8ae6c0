"""A small keep-alive HTTP client for calls between Tsunagu processes.

One persistent ``http.client`` connection per upstream per thread: no pool lock,
no re-serialising of bodies, ~0.8 ms per call on loopback (MEASUREMENTS.md).
Connections idle longer than the upstream's keep-alive window are replaced before
use rather than discovered dead mid-request; a request that fails on a reused
connection is retried once on a fresh one only when it is idempotent.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from common.requestctx import REQUEST_ID_HEADER, current_request_id

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
KEEPALIVE_SECONDS = 1.5  # below gunicorn's default keep-alive of 2 s


class UpstreamUnavailable(Exception):
    """The upstream refused the connection or dropped it: it is down (HTTP 502)."""


class UpstreamTimeout(Exception):
    """The upstream did not answer in time (HTTP 504)."""


@dataclass(frozen=True)
class UpstreamResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class _Slot:
    __slots__ = ("connection", "last_used")

    def __init__(self) -> None:
        self.connection: http.client.HTTPConnection | None = None
        self.last_used = 0.0


class ServiceClient:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"bad upstream URL {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout
        self._local = threading.local()
        self._slots: list[_Slot] = []
        self._slots_lock = threading.Lock()

    def _slot(self) -> _Slot:
        slot: _Slot | None = getattr(self._local, "slot", None)
        if slot is None:
            slot = _Slot()
            self._local.slot = slot
            with self._slots_lock:
                self._slots.append(slot)
        return slot

    def close_all(self) -> None:
        """Close every thread's connection (at shutdown, or when the client is dropped)."""
        with self._slots_lock:
            slots = list(self._slots)
        for slot in slots:
            if slot.connection is not None:
                slot.connection.close()
                slot.connection = None

    def __del__(self) -> None:
        # At interpreter shutdown modules may already be torn down: closing is best effort.
        with contextlib.suppress(Exception):
            self.close_all()

    def _connect(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        connection = cls(self._host, self._port, timeout=self._timeout)
        connection.connect()
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def close(self) -> None:
        slot = self._slot()
        if slot.connection is not None:
            slot.connection.close()
            slot.connection = None

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> UpstreamResponse:
        """Send one request; ``path`` may carry a query string."""
        send_headers = dict(headers or {})
        request_id = current_request_id.get()
        if request_id and REQUEST_ID_HEADER not in send_headers:
            send_headers[REQUEST_ID_HEADER] = request_id
        target = self._prefix + path
        if not target.isascii() or any(c <= " " or c == "\x7f" for c in target):
            # http.client would fail half-way through writing the request line and leave the
            # pooled connection unusable for the next caller: refuse before touching it.
            raise ValueError(f"request target must be percent-encoded ASCII: {target!r}")
        slot = self._slot()
        for attempt in (1, 2):
            now = time.monotonic()
            reused = slot.connection is not None and now - slot.last_used < KEEPALIVE_SECONDS
            if not reused:
                self.close()
                try:
                    slot.connection = self._connect()
                except TimeoutError as exc:
                    raise UpstreamTimeout(str(exc)) from exc
                except OSError as exc:
                    raise UpstreamUnavailable(str(exc)) from exc
            connection = slot.connection
            assert connection is not None
            try:
                connection.request(method, target, body=body, headers=send_headers)
                response = connection.getresponse()
                payload = response.read()
            except TimeoutError as exc:
                self.close()
                raise UpstreamTimeout(str(exc)) from exc
            except (http.client.HTTPException, OSError) as exc:
                self.close()
                if reused and attempt == 1 and method.upper() in IDEMPOTENT:
                    continue
                raise UpstreamUnavailable(str(exc)) from exc
            except BaseException:
                # Anything else (a header that cannot be encoded, an interrupt) leaves the
                # connection mid-request: it must never be handed to the next request.
                self.close()
                raise
            slot.last_used = time.monotonic()
            if response.will_close:
                self.close()
            return UpstreamResponse(response.status, response.getheaders(), payload)
        raise UpstreamUnavailable("unreachable")  # pragma: no cover - loop always returns

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> UpstreamResponse:
        """A JSON call with a principal token, for service-to-service questions."""
        send_headers = {"Accept": "application/json", **(headers or {})}
        if token:
            send_headers["Authorization"] = f"Bearer {token}"
        body = None
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False, default=str).encode()
            send_headers["Content-Type"] = "application/json"
        if params:
            clean = {k: v for k, v in params.items() if v is not None}
            if clean:
                path = f"{path}?{urlencode(clean, doseq=True)}"
        return self.request(method, path, body=body, headers=send_headers)
