"""The gateway's identity cache follows auth's revocation list and is trusted only while it
does. Before: a signed-out or deactivated session kept working through the gateway for the
whole cache window (~4.4 s measured), and a revoked personal token for ~5 s."""

from __future__ import annotations

import time
import uuid
from typing import Any

from common.http.client import UpstreamResponse
from common.principal import Principal, PrincipalVerifier
from common.servicekey import HEADER, ServiceCredential
from common.testing.principals import test_keypair as keypair
from common.testing.principals import token_for
from gateway.identity import IdentityResolver

SESSION_ID = str(uuid.uuid4())
TOKEN_ID = str(uuid.uuid4())
USER_ID = uuid.uuid4()
ORG_ID = uuid.uuid4()


class FakeAuth:
    """Answers the resolver's questions the way auth does, and counts them."""

    def __init__(self) -> None:
        self.revoked: list[dict[str, str]] = []
        self.calls: list[str] = []
        self.headers: list[dict[str, str]] = []
        self.feed_up = True

    def call(self, method: str, path: str, **kwargs: Any) -> UpstreamResponse:
        self.calls.append(path)
        self.headers.append(dict(kwargs.get("headers") or {}))
        if path == "/internal/revocations":
            if not self.feed_up:
                return UpstreamResponse(503, [], b"")
            return _json({"items": self.revoked, "now": "2026-12-04T00:00:00+00:00"})
        token_id = f"pat:{TOKEN_ID}" if path == "/internal/tokens/resolve" else "jti"
        session_id = SESSION_ID if path == "/internal/sessions/resolve" else None
        principal = Principal(
            user_id=USER_ID,
            name="職員",
            org_id=ORG_ID,
            consortium_id=uuid.uuid4(),
            org_kind="npo",
            roles=frozenset({"staff"}),
            session_id=session_id,
            token_id=token_id,
        )
        return _json({"principal_token": token_for(principal), "expires_in": 300, "user": {}})


def _json(body: dict[str, Any]) -> UpstreamResponse:
    import json

    return UpstreamResponse(200, [], json.dumps(body).encode())


def resolver_with(auth: FakeAuth) -> IdentityResolver:
    resolver = IdentityResolver(
        auth,  # type: ignore[arg-type]
        PrincipalVerifier(keypair()[1]),
        cache_seconds=60,
        credential=ServiceCredential(b"k" * 32, "gateway"),
    )
    # Poll by hand in this test: the thread's first poll makes the list fresh for an hour.
    resolver.revocations.interval = 3600
    resolver.revocations.max_age = 3600
    deadline = time.monotonic() + 5
    while not resolver.revocations.fresh():
        assert time.monotonic() < deadline, "the watcher never read the revocation list"
        time.sleep(0.01)
    return resolver


def resolves(auth: FakeAuth) -> int:
    return sum(1 for p in auth.calls if p != "/internal/revocations")


def test_a_fresh_list_lets_the_cache_answer_and_a_revocation_empties_it() -> None:
    auth = FakeAuth()
    resolver = resolver_with(auth)
    resolver.from_session("cookie-secret")
    resolver.from_session("cookie-secret")
    assert resolves(auth) == 1
    auth.revoked = [{"kind": "session", "id": SESSION_ID, "at": "2026-12-04T00:00:00+00:00"}]
    resolver.revocations.poll_once()
    resolver.from_session("cookie-secret")
    assert resolves(auth) == 2
    resolver.revocations.stop()


def test_a_revoked_token_a_deactivated_user_and_a_suspended_org_are_dropped() -> None:
    for kind, credential in (("token", TOKEN_ID), ("user", str(USER_ID)), ("org", str(ORG_ID))):
        auth = FakeAuth()
        resolver = resolver_with(auth)
        resolver.from_access_token("tsu_secret")
        resolver.from_access_token("tsu_secret")
        assert resolves(auth) == 1
        auth.revoked = [{"kind": kind, "id": credential, "at": "2026-12-04T00:00:00+00:00"}]
        resolver.revocations.poll_once()
        resolver.from_access_token("tsu_secret")
        assert resolves(auth) == 2, kind
        resolver.revocations.stop()


def test_without_a_fresh_list_every_request_asks_auth() -> None:
    auth = FakeAuth()
    resolver = resolver_with(auth)
    resolver.revocations.max_age = 0.05
    auth.feed_up = False
    time.sleep(0.1)
    resolver.from_session("cookie-secret")
    resolver.from_session("cookie-secret")
    assert resolves(auth) == 2
    resolver.revocations.stop()


def test_every_internal_call_carries_the_service_credential() -> None:
    auth = FakeAuth()
    resolver = resolver_with(auth)
    resolver.from_session("cookie-secret")
    resolver.logout("cookie-secret")
    assert auth.headers
    assert all(h.get(HEADER, "").startswith("gateway:") for h in auth.headers)
    resolver.revocations.stop()
