"""A small client of the gateway's public API, as a browser would use it: it signs in,
keeps the session cookie and sends the CSRF token. The demo seeders and the end-to-end
tests speak to Tsunagu only through it."""

from __future__ import annotations

import json
from http.cookies import SimpleCookie
from typing import Any

from common.http.client import ServiceClient, UpstreamResponse


class ApiFailure(Exception):
    def __init__(self, method: str, path: str, response: UpstreamResponse) -> None:
        super().__init__(f"{method} {path} -> {response.status}: {response.body[:500]!r}")
        self.response = response


class GatewayClient:
    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self._http = ServiceClient(base_url, timeout)
        self.cookie: str | None = None
        self.csrf_token: str | None = None
        self.bearer: str | None = None
        self.me: dict[str, Any] = {}

    def sign_in(self, email: str, password: str, otp: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"email": email, "password": password}
        if otp:
            body["otp"] = otp
        response = self.request("POST", "/api/v1/session", body, expect=None)
        if response.status != 200:
            raise ApiFailure("POST", "/api/v1/session", response)
        for name, value in response.headers:
            if name.lower() == "set-cookie" and value.startswith("tsunagu_session="):
                jar: SimpleCookie = SimpleCookie()
                jar.load(value)
                self.cookie = jar["tsunagu_session"].value
        answer = response.json()
        self.csrf_token = answer["csrf_token"]
        self.me = answer["user"]
        return dict(answer)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        expect: int | tuple[int, ...] | None = (200, 201, 204),
        headers: dict[str, str] | None = None,
    ) -> UpstreamResponse:
        send = {"Accept": "application/json", **(headers or {})}
        payload = None
        if body is not None:
            payload = json.dumps(body, ensure_ascii=False, default=str).encode()
            send["Content-Type"] = "application/json"
        if self.bearer:
            send["Authorization"] = f"Bearer {self.bearer}"
        elif self.cookie:
            send["Cookie"] = f"tsunagu_session={self.cookie}"
            if method != "GET" and self.csrf_token:
                send["X-CSRF-Token"] = self.csrf_token
        response = self._http.request(method, path, body=payload, headers=send)
        if expect is not None:
            allowed = (expect,) if isinstance(expect, int) else expect
            if response.status not in allowed:
                raise ApiFailure(method, path, response)
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", "/api/v1" + path, **kwargs).json()

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request(
            "POST", "/api/v1" + path, body if body is not None else {}, **kwargs
        ).json()

    def patch(self, path: str, body: Any, **kwargs: Any) -> Any:
        return self.request("PATCH", "/api/v1" + path, body, **kwargs).json()

    def put(self, path: str, body: Any, **kwargs: Any) -> Any:
        return self.request("PUT", "/api/v1" + path, body, **kwargs).json()
