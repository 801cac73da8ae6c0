"""The gateway's pages in one process, with a fake upstream: the real gateway app, and for
each service a scripted stand-in that answers the API paths a page asks for and records
what the page sent. A path nobody scripted answers 404, as another tenant's id does.

    services = FakeServices()
    services.cases.on("GET", "/cases/{id}", {"id": ..., "person": ...})
    browser = sign_in(app, services, role="staff")
    page = browser.get(f"/cases/{case_id}")
    assert services.cases.last("POST", "/cases/{id}/activities").body == {...}
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Flask
from flask.testing import FlaskClient

from common.config import SERVICES, load_settings
from common.http.client import UpstreamResponse
from common.principal import Principal
from common.testing.principals import Tenant, make_principal, test_keypair, token_for

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
Reply = tuple[int, Any] | Any


@dataclass
class Sent:
    """One request a page made to a service."""

    service: str
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    answer: Callable[[Sent], Reply]


def _pattern(template: str) -> re.Pattern[str]:
    parts = [("[^/]+" if p.startswith("{") else re.escape(p)) for p in template.split("/")]
    return re.compile("^" + "/".join(parts) + "$")


def json_answer(status: int, body: Any = None) -> UpstreamResponse:
    kind = "application/problem+json" if status >= 400 else "application/json"
    payload = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    return UpstreamResponse(status, [("Content-Type", kind)], payload)


def problem(status: int, code: str, errors: list[dict[str, str]] | None = None) -> tuple[int, Any]:
    """A service's refusal: ``problem(422, "validation_failed", [{"field", "code"}])``."""
    body: dict[str, Any] = {"title": "Refused", "status": status, "detail": "x", "code": code}
    if errors:
        body["errors"] = [{"message": "English text the UI must not show"} | e for e in errors]
    return status, body


class FakeService:
    """One service: scripted answers by method and path (``{id}`` matches one segment)."""

    def __init__(self, name: str, log: list[Sent]) -> None:
        self.name = name
        self.routes: list[Route] = []
        self.log = log

    def on(self, method: str, path: str, answer: Any = None, status: int = 200) -> FakeService:
        """Answer ``method path`` with ``answer`` (a body, a callable of :class:`Sent`
        returning a body or ``(status, body)``, or a body with ``status``)."""
        if isinstance(answer, tuple):  # problem(...) gives (status, body)
            status, answer = answer
        responder = answer if callable(answer) else (lambda _sent: (status, answer))
        self.routes.insert(0, Route(method, _pattern(path), responder))
        return self

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: Any = None,
    ) -> UpstreamResponse:
        parts = urlsplit(path)
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = body
        sent = Sent(
            self.name,
            method,
            parts.path,
            dict(parse_qsl(parts.query, keep_blank_values=True)),
            parsed,
            dict(headers or {}),
        )
        self.log.append(sent)
        for route in self.routes:
            if route.method == method and route.pattern.match(parts.path):
                reply = route.answer(sent)
                status, payload = reply if isinstance(reply, tuple) else (200, reply)
                return json_answer(status, payload)
        return json_answer(*problem(404, "not_found"))

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
        send = {"Accept": "application/json", **(headers or {})}
        if token:
            send["Authorization"] = f"Bearer {token}"
        if params:
            clean = {k: v for k, v in params.items() if v is not None}
            if clean:
                path = f"{path}?{urlencode(clean, doseq=True)}"
        body = json.dumps(json_body).encode() if json_body is not None else None
        return self.request(method, path, body=body, headers=send)

    def calls(self, method: str, path: str) -> list[Sent]:
        pattern = _pattern(path)
        return [
            s
            for s in self.log
            if s.service == self.name and s.method == method and pattern.match(s.path)
        ]

    def last(self, method: str, path: str) -> Sent:
        found = self.calls(method, path)
        assert found, f"no {method} {path} was sent to {self.name}"
        return found[-1]


class FakeServices:
    """Every service behind the gateway (the ``Upstreams`` the app is built with)."""

    def __init__(self) -> None:
        self.log: list[Sent] = []
        self.by_name = {name: FakeService(name, self.log) for name in SERVICES}
        self.sessions: dict[str, Principal] = {}
        self.auth.on("POST", "/internal/sessions/resolve", self._resolve)
        self.auth.on("POST", "/internal/sessions/end", None, status=204)

    def __getattr__(self, name: str) -> FakeService:
        try:
            return self.__dict__["by_name"][name]
        except KeyError:
            raise AttributeError(name) from None

    def client(self, service: str) -> FakeService:
        return self.by_name[service]

    def writes(self) -> list[Sent]:
        """What the pages asked a service to change (sign-in plumbing aside)."""
        return [
            s
            for s in self.log
            if s.method in ("POST", "PUT", "PATCH", "DELETE")
            and not s.path.startswith("/internal/")
        ]

    def _resolve(self, sent: Sent) -> Reply:
        principal = self.sessions.get((sent.body or {}).get("session_token", ""))
        if principal is None:
            return problem(401, "no_session")
        return {
            "principal_token": token_for(principal),
            "expires_in": 300,
            "csrf_token": csrf_for(principal),
            "mfa_enrollment_required": False,
            "user": {"id": str(principal.user_id), "name": principal.name, "email": "a@b.example"},
        }


def csrf_for(principal: Principal) -> str:
    return "csrf-" + str(principal.user_id)


def gateway_app(services: FakeServices) -> Flask:
    from gateway import create_app

    settings = load_settings(
        {
            "TSUNAGU_SECRET_KEY": "pages-test-secret",
            "TSUNAGU_SERVICE_KEY": "pages-test-service-key",
            "TSUNAGU_PRINCIPAL_PUBLIC_KEY": test_keypair()[1],
            "TSUNAGU_SESSION_CACHE_SECONDS": "0",
            "TSUNAGU_DEMO": "0",
        }
    )
    app = create_app(settings, upstreams=services)  # type: ignore[arg-type]
    app.config["TESTING"] = True
    return app


@dataclass
class Browser:
    """A signed-in person's browser: form posts carry the CSRF token."""

    client: FlaskClient
    principal: Principal
    csrf: str
    tenant: Tenant = field(default_factory=Tenant.new)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers={"Accept-Language": "ja"}, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.client.post(
            path,
            data={"csrf_token": self.csrf, **(data or {})},
            headers={"Accept-Language": "ja"},
            **kwargs,
        )


def sign_in(
    app: Flask,
    services: FakeServices,
    *,
    role: str = "staff",
    kind: str = "support_station",
    tenant: Tenant | None = None,
    name: str = "山下 健",
) -> Browser:
    tenant = tenant or Tenant.new(kind=kind)
    principal = make_principal(tenant, role=role, name=name)
    secret = secrets.token_urlsafe(16)
    services.sessions[secret] = principal
    client = app.test_client()
    client.set_cookie("tsunagu_session", secret)
    return Browser(client, principal, csrf_for(principal), tenant)


def html(response: Any) -> str:
    return str(response.get_data(as_text=True))


VISIBLE = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S)


def visible_text(response: Any) -> str:
    """The words a person sees (no tags, attributes or hidden form values)."""
    return re.sub(r"\s+", " ", VISIBLE.sub(" ", html(response)))


BARE_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
