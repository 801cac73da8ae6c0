"""Who is calling the gateway: session cookies and personal access tokens become
short-lived principal tokens, asked of the auth service and cached briefly.

The cache is per process and short (``TSUNAGU_SESSION_CACHE_SECONDS``, 5 s by
default): a deactivated user or suspended organization is refused by auth on the
next resolve, and at once by the services themselves, which check the org in their
own directory and the token's short expiry.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from flask_login import UserMixin

from common.http.client import ServiceClient, UpstreamResponse
from common.principal import InvalidPrincipal, Principal, PrincipalVerifier

SESSION_COOKIE = "tsunagu_session"
MAX_CACHED = 10_000


@dataclass(frozen=True)
class Identity:
    principal: Principal
    principal_token: str
    csrf_token: str | None
    mfa_enrollment_required: bool
    user: dict[str, Any]
    via: str  # "session" or "token"
    secret: str


class GatewayUser(UserMixin):
    """flask-login's view of the caller."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity

    def get_id(self) -> str:
        return str(self.identity.principal.user_id)

    @property
    def principal(self) -> Principal:
        return self.identity.principal

    @property
    def name(self) -> str:
        return str(self.identity.user.get("name") or "")

    @property
    def email(self) -> str:
        return str(self.identity.user.get("email") or "")

    @property
    def csrf_token(self) -> str | None:
        return self.identity.csrf_token

    def can(self, permission: str) -> bool:
        return permission in self.identity.principal.permissions


class AuthRefused(Exception):
    """Auth answered, and the answer is no (or the credentials are wrong)."""

    def __init__(self, response: UpstreamResponse) -> None:
        super().__init__(f"auth answered {response.status}")
        self.response = response


def _key(kind: str, secret: str) -> str:
    return kind + ":" + hashlib.sha256(secret.encode()).hexdigest()


class IdentityResolver:
    def __init__(
        self, auth: ServiceClient, verifier: PrincipalVerifier, cache_seconds: float
    ) -> None:
        self._auth = auth
        self._verifier = verifier
        self._cache_seconds = cache_seconds
        self._cache: OrderedDict[str, tuple[float, Identity]] = OrderedDict()
        self._lock = threading.Lock()

    def _cached(self, key: str) -> Identity | None:
        with self._lock:
            hit = self._cache.get(key)
            if hit is None:
                return None
            deadline, identity = hit
            if deadline < time.monotonic():
                del self._cache[key]
                return None
            self._cache.move_to_end(key)
            return identity

    def _remember(self, key: str, identity: Identity, expires_in: float) -> None:
        ttl = min(self._cache_seconds, max(0.0, expires_in - 30))
        if ttl <= 0:
            return
        with self._lock:
            self._cache[key] = (time.monotonic() + ttl, identity)
            self._cache.move_to_end(key)
            while len(self._cache) > MAX_CACHED:
                self._cache.popitem(last=False)

    def forget(self, kind: str, secret: str) -> None:
        with self._lock:
            self._cache.pop(_key(kind, secret), None)

    def _identity(self, answer: dict[str, Any], via: str, secret: str) -> Identity:
        try:
            principal = self._verifier.verify(answer["principal_token"])
        except (InvalidPrincipal, KeyError) as exc:
            raise RuntimeError("auth returned an unusable principal token") from exc
        return Identity(
            principal=principal,
            principal_token=answer["principal_token"],
            csrf_token=answer.get("csrf_token"),
            mfa_enrollment_required=bool(answer.get("mfa_enrollment_required")),
            user=answer.get("user") or {},
            via=via,
            secret=secret,
        )

    def _resolve(self, kind: str, path: str, payload: dict[str, str], secret: str) -> Identity:
        key = _key(kind, secret)
        cached = self._cached(key)
        if cached is not None:
            return cached
        response = self._auth.call("POST", path, json_body=payload)
        if response.status != 200:
            raise AuthRefused(response)
        answer = response.json()
        identity = self._identity(answer, kind, secret)
        self._remember(key, identity, float(answer.get("expires_in", 0)))
        return identity

    def from_session(self, secret: str) -> Identity:
        return self._resolve(
            "session", "/internal/sessions/resolve", {"session_token": secret}, secret
        )

    def from_access_token(self, token: str) -> Identity:
        return self._resolve("token", "/internal/tokens/resolve", {"token": token}, token)

    def login(self, payload: dict[str, Any]) -> tuple[str, Identity]:
        """Sign in; returns the new session secret and the identity."""
        response = self._auth.call("POST", "/internal/sessions", json_body=payload)
        if response.status != 200:
            raise AuthRefused(response)
        answer = response.json()
        secret = str(answer["session_token"])
        identity = self._identity(answer, "session", secret)
        self._remember(_key("session", secret), identity, float(answer.get("expires_in", 0)))
        return secret, identity

    def logout(self, secret: str) -> None:
        self.forget("session", secret)
        self._auth.call("POST", "/internal/sessions/end", json_body={"session_token": secret})


def problem_json(response: UpstreamResponse) -> dict[str, Any]:
    try:
        body = json.loads(response.body or b"{}")
    except ValueError:
        body = {}
    return body if isinstance(body, dict) else {}
