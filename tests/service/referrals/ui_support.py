"""The gateway's referral pages in one process: the real gateway and referrals apps, with
small stand-ins for auth (sessions, directory) and cases (a case's consents), joined by
clients that call the apps in-process instead of over a socket."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request
from flask.testing import FlaskClient

from common.config import SERVICES
from common.http.client import ServiceClient, UpstreamResponse
from common.principal import Principal, PrincipalSigner, PrincipalVerifier
from common.testing.principals import test_keypair
from common.testing.services import test_settings as settings_in
from tests.service.referrals.world import Member, World


class InProcessClient(ServiceClient):
    """A ServiceClient whose requests go to a Flask app's test client."""

    def __init__(self, app: Flask) -> None:
        super().__init__("http://in-process.invalid")
        self._app_client = app.test_client()

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: Any = None,
    ) -> UpstreamResponse:
        answer = self._app_client.open(path, method=method, data=body, headers=dict(headers or {}))
        return UpstreamResponse(answer.status_code, list(answer.headers.items()), answer.get_data())


@dataclass
class Sessions:
    signer: PrincipalSigner = field(default_factory=lambda: PrincipalSigner(test_keypair()[0]))
    by_secret: dict[str, Principal] = field(default_factory=dict)


def fake_auth(world: World, sessions: Sessions) -> Flask:
    app = Flask("fake-auth")
    verifier = PrincipalVerifier(test_keypair()[1])
    members = [world.sender, world.receiver, world.third, world.center, world.suspended]

    @app.post("/internal/sessions/resolve")
    def resolve() -> Any:
        secret = (request.get_json() or {}).get("session_token", "")
        principal = sessions.by_secret.get(secret)
        if principal is None:
            return jsonify(title="Not signed in", code="unauthenticated"), 401
        return jsonify(
            principal_token=sessions.signer.sign(principal),
            expires_in=300,
            csrf_token=f"csrf-{secret}",
            mfa_enrollment_required=False,
            user={"id": str(principal.user_id), "name": principal.name, "email": "x@example.org"},
        )

    @app.get("/directory")
    def directory() -> Any:
        principal = verifier.verify(request.headers["Authorization"].split()[1])
        items = [
            {"id": str(m.org_id), "name": m.name, "kind": m.tenant.kind}
            for m in members
            if m.tenant.consortium_id == principal.consortium_id and m is not world.suspended
        ]
        return jsonify(items=items, next_cursor=None)

    return app


def fake_cases(world: World) -> Flask:
    app = Flask("fake-cases")
    verifier = PrincipalVerifier(test_keypair()[1])

    @app.get("/cases")
    def cases() -> Any:
        principal = verifier.verify(request.headers["Authorization"].split()[1])
        mine = [c for c in world.cases.cases.values() if c.org_id == principal.org_id]
        items = [
            {
                "id": str(c.id),
                "person": {"display_name": c.packet["person"]["display_name"]},
                "stage": "preparation",
            }
            for c in mine
        ]
        return jsonify(items=items, next_cursor=None)

    @app.get("/cases/<uuid:case_id>")
    def case(case_id: uuid.UUID) -> Any:
        principal = verifier.verify(request.headers["Authorization"].split()[1])
        found = world.cases.cases.get(case_id)
        if found is None or found.org_id != principal.org_id:
            return jsonify(title="Not found", code="not_found"), 404
        consents = [c for c in world.cases.consents.values() if c["case_id"] == str(case_id)]
        return jsonify(id=str(case_id), person_key=str(found.person_key), consents=consents)

    return app


class FakeUpstreams:
    def __init__(self, apps: dict[str, Flask]) -> None:
        self._clients = {name: InProcessClient(app) for name, app in apps.items()}

    def client(self, service: str) -> ServiceClient:
        return self._clients[service]


@dataclass
class Ui:
    """The gateway's test client and a way to sign in as any member."""

    gateway: Flask
    sessions: Sessions

    def browser(self, member: Member, role: str = "staff", name: str | None = None) -> Browser:
        secret = secrets.token_urlsafe(16)
        principal = member.principal(role, name)
        self.sessions.by_secret[secret] = principal
        client = self.gateway.test_client()
        client.set_cookie("tsunagu_session", secret)
        return Browser(client, f"csrf-{secret}", principal)


@dataclass
class Browser:
    client: FlaskClient
    csrf: str
    principal: Principal

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)


def build_ui(world: World, referrals_app: Flask, tmp_path: Path) -> Ui:
    from gateway import create_app as create_gateway

    sessions = Sessions()
    placeholder = Flask("unused")
    apps = {s: placeholder for s in SERVICES} | {
        "auth": fake_auth(world, sessions),
        "cases": fake_cases(world),
        "referrals": referrals_app,
    }
    settings = settings_in(tmp_path / "gateway", TSUNAGU_SECRET_KEY="ui-test-secret-key")
    gateway = create_gateway(settings, upstreams=FakeUpstreams(apps))  # type: ignore[arg-type]
    gateway.config["TESTING"] = True
    return Ui(gateway, sessions)
