"""Bearer secrets (session cookies, invitations, access tokens, recovery codes).

Each is random, ≥ 256 bits except recovery codes, and stored only as its SHA-256:
a leaked table grants nothing."""

from __future__ import annotations

import hashlib
import hmac
import secrets

ACCESS_TOKEN_PREFIX = "tsu_"  # noqa: S105 - a public marker, not a secret


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_access_token() -> str:
    return ACCESS_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_recovery_code() -> str:
    """Ten characters in two groups, easy to type from paper: ``abcde-fghij``."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def email_key(email: str) -> str:
    return digest(email.strip().lower())


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
