"""Principal tokens: who is calling, for which organization, with which roles.

The auth service signs them with an Ed25519 private key; every other service
holds only the public key and takes the tenant from a verified token alone —
never from a header, query or body.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common.clock import utcnow
from common.permissions import Perm, permissions_for

ISSUER = "tsunagu-auth"
AUDIENCE = "tsunagu-services"
ALGORITHM = "EdDSA"
PRIVATE_KEY_FILE = "principal_ed25519.pem"
PUBLIC_KEY_FILE = "principal_ed25519.pub.pem"


class InvalidPrincipal(Exception):
    """The token is missing, forged, expired or malformed."""


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None


@dataclass(frozen=True)
class Principal:
    """A verified caller. ``org_id`` is None only for the platform admin."""

    user_id: uuid.UUID
    name: str
    org_id: uuid.UUID | None
    consortium_id: uuid.UUID | None
    org_kind: str | None
    roles: frozenset[str]
    session_id: str | None = None
    token_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    permissions: frozenset[Perm] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "permissions", permissions_for(self.roles, self.org_kind))

    def can(self, permission: Perm) -> bool:
        return permission in self.permissions

    def claims(self) -> dict[str, Any]:
        return {
            "sub": str(self.user_id),
            "name": self.name,
            "org": str(self.org_id) if self.org_id else None,
            "cons": str(self.consortium_id) if self.consortium_id else None,
            "kind": self.org_kind,
            "roles": sorted(self.roles),
            "sid": self.session_id,
            "jti": self.token_id,
        }

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        try:
            return cls(
                user_id=uuid.UUID(claims["sub"]),
                name=str(claims.get("name") or ""),
                org_id=_uuid_or_none(claims.get("org")),
                consortium_id=_uuid_or_none(claims.get("cons")),
                org_kind=claims.get("kind"),
                roles=frozenset(str(r) for r in claims.get("roles") or ()),
                session_id=claims.get("sid"),
                token_id=str(claims.get("jti") or ""),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidPrincipal(f"malformed claims: {exc}") from exc


class PrincipalSigner:
    def __init__(self, private_key_pem: str, ttl_seconds: int = 300) -> None:
        self._key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        self._ttl = timedelta(seconds=ttl_seconds)

    @property
    def ttl_seconds(self) -> float:
        return self._ttl.total_seconds()

    def sign(self, principal: Principal) -> str:
        now = utcnow()
        claims = principal.claims() | {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "nbf": now - timedelta(seconds=5),
            "exp": now + self._ttl,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)  # type: ignore[arg-type]


class PrincipalVerifier:
    def __init__(self, public_key_pem: str) -> None:
        self._key = serialization.load_pem_public_key(public_key_pem.encode())

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._key,  # type: ignore[arg-type]
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
                leeway=5,
            )
        except jwt.PyJWTError as exc:
            raise InvalidPrincipal(str(exc)) from exc
        return Principal.from_claims(claims)


def generate_keypair() -> tuple[str, str]:
    """A new Ed25519 key pair as (private PEM, public PEM)."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


def ensure_keypair(keys_dir: Path) -> None:
    """Create the embedded-mode key pair once; later starts reuse it."""
    private_path = keys_dir / PRIVATE_KEY_FILE
    if private_path.exists():
        return
    keys_dir.mkdir(parents=True, exist_ok=True)
    private_pem, public_pem = generate_keypair()
    tmp = private_path.with_suffix(".tmp")
    tmp.write_text(private_pem)
    tmp.chmod(0o600)
    (keys_dir / PUBLIC_KEY_FILE).write_text(public_pem)
    tmp.rename(private_path)


def load_private_key(explicit_pem: str | None, keys_dir: Path) -> str:
    if explicit_pem:
        return explicit_pem
    return (keys_dir / PRIVATE_KEY_FILE).read_text()


def load_public_key(explicit_pem: str | None, keys_dir: Path) -> str:
    if explicit_pem:
        return explicit_pem
    return (keys_dir / PUBLIC_KEY_FILE).read_text()
