"""Who is calling the gateway: session cookies and personal access tokens become
short-lived principal tokens, asked of the auth service and cached briefly.

The cache is per process and short (``TSUNAGU_SESSION_CACHE_SECONDS``, 5 s by default),
and it is trusted only while it follows auth's revocation list: a background thread asks
auth every 0.2 s for the credentials ended since it last asked (common.revocation) and
drops their entries; when that list has not been read for 0.8 s (auth unreachable) every
request is resolved by auth again. A signed-out session, a revoked token, a deactivated
user or a suspended organization is therefore refused within a second; the services
refuse the principal tokens already handed out from their own revocation directories.
Calls to auth's internal routes carry the service credential (common.servicekey).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_login import UserMixin

from common.http.client import ServiceClient, UpstreamResponse, UpstreamTimeout, UpstreamUnavailable
from common.principal import InvalidPrincipal, Principal, PrincipalVerifier
from common.revocation import PAT_PREFIX, RevocationWatcher
from common.servicekey import ServiceCredential

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
    """Auth answered, and the answer is no (or the credentials are wrong): a 4xx."""

    def __init__(self, response: UpstreamResponse) -> None:
        super().__init__(f"auth answered {response.status}")
        self.response = response


class AuthUnavailable(Exception):
    """Auth could not answer — a 5xx, unreachable, too slow, or an answer that cannot be
    used. Neither yes nor no: the caller gets 503 and keeps the session cookie (issue 13:
    with auth's disk full, 288 writes with valid tokens got 401 and lost their cookies)."""


def _settled(response: UpstreamResponse) -> UpstreamResponse:
    """The response when auth said yes; AuthRefused when it said no; else AuthUnavailable."""
    if response.status == 200:
        return response
    if 400 <= response.status < 500:
        raise AuthRefused(response)
    raise AuthUnavailable(f"auth answered {response.status}")


def _json(response: UpstreamResponse) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError as exc:
        raise AuthUnavailable("auth answered something that is not JSON") from exc
    if not isinstance(answer, dict):
        raise AuthUnavailable("auth answered something that is not an object")
    return answer


def _key(kind: str, secret: str) -> str:
    return kind + ":" + hashlib.sha256(secret.encode()).hexdigest()


def _matches(identity: Identity, kind: str, credential_id: str) -> bool:
    principal = identity.principal
    if kind == "session":
        return principal.session_id == credential_id
    if kind == "token":
        return principal.token_id == PAT_PREFIX + credential_id
    if kind == "user":
        return str(principal.user_id) == credential_id
    if kind == "org":
        return str(principal.org_id) == credential_id
    return False


class IdentityResolver:
    def __init__(
        self,
        auth: ServiceClient,
        verifier: PrincipalVerifier,
        cache_seconds: float,
        credential: ServiceCredential | None = None,
    ) -> None:
        self._auth = auth
        self._verifier = verifier
        self._cache_seconds = cache_seconds
        self._credential = credential
        self._cache: OrderedDict[str, tuple[float, Identity]] = OrderedDict()
        self._lock = threading.Lock()
        self.revocations = RevocationWatcher(self._fetch_revocations, self._drop)

    def _internal(
        self, method: str, path: str, *, json_body: Any = None, params: dict[str, Any] | None = None
    ) -> UpstreamResponse:
        headers = self._credential.headers(method, path) if self._credential else None
        try:
            return self._auth.call(
                method, path, json_body=json_body, params=params, headers=headers
            )
        except (UpstreamUnavailable, UpstreamTimeout) as exc:
            raise AuthUnavailable(f"auth unreachable: {type(exc).__name__}") from exc

    def _fetch_revocations(self, since: str | None) -> dict[str, Any]:
        response = self._internal("GET", "/internal/revocations", params={"since": since})
        if response.status != 200:
            raise RuntimeError(f"auth answered {response.status} for the revocation list")
        answer: dict[str, Any] = response.json()
        return answer

    def _drop(self, revoked: Iterable[tuple[str, str]]) -> None:
        wanted = list(revoked)
        with self._lock:
            stale = [
                key
                for key, (_deadline, identity) in self._cache.items()
                if any(_matches(identity, kind, cid) for kind, cid in wanted)
            ]
            for key in stale:
                del self._cache[key]

    def _cached(self, key: str) -> Identity | None:
        if not self.revocations.fresh():
            return None  # not following the revocation list right now: ask auth
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

    def _identity(self, answer: Any, via: str, secret: str) -> Identity:
        try:
            principal = self._verifier.verify(answer["principal_token"])
        except (InvalidPrincipal, KeyError, TypeError) as exc:
            raise AuthUnavailable("auth returned an unusable principal token") from exc
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
        answer = _json(_settled(self._internal("POST", path, json_body=payload)))
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
        answer = _json(_settled(self._internal("POST", "/internal/sessions", json_body=payload)))
        if not isinstance(answer.get("session_token"), str):
            raise AuthUnavailable("auth answered a sign-in without a session")
        secret = answer["session_token"]
        identity = self._identity(answer, "session", secret)
        self._remember(_key("session", secret), identity, float(answer.get("expires_in", 0)))
        return secret, identity

    def logout(self, secret: str) -> None:
        self.forget("session", secret)
        self._internal("POST", "/internal/sessions/end", json_body={"session_token": secret})
