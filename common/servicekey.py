"""The service credential: internal routes (``/internal/*``) answer only Tsunagu's own
processes, not whoever reaches a port.

Every process of one installation shares a secret key — ``TSUNAGU_SERVICE_KEY``, or the
file ``service.key`` in the keys dir, created once by bootstrap — and signs each internal
call:

    X-Tsunagu-Service: <caller>:<unix time>:<HMAC-SHA256(key, caller, time, method, path)>

The receiver checks the MAC and that the time is within a minute, so a header lifted off
the network opens only the same call for a minute, and a caller without the key gets 401
(no credential) or 403 (a wrong one).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

HEADER = "X-Tsunagu-Service"
SERVICE_KEY_FILE = "service.key"
MAX_SKEW_SECONDS = 60


class MissingCredential(Exception):
    pass


class BadCredential(Exception):
    pass


def ensure_service_key(keys_dir: Path) -> Path:
    """Create the key file once, atomically: concurrent first starts agree on one key."""
    path = keys_dir / SERVICE_KEY_FILE
    if path.exists():
        return path
    keys_dir.mkdir(parents=True, exist_ok=True)
    tmp = keys_dir / f".{SERVICE_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    tmp.write_text(secrets.token_urlsafe(48))
    tmp.chmod(0o600)
    try:
        os.link(tmp, path)  # fails if another process won the race: theirs is the key
    except FileExistsError:
        pass
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return path


def load_service_key(explicit: str | None, keys_dir: Path) -> bytes:
    if explicit:
        return explicit.encode()
    path = keys_dir / SERVICE_KEY_FILE
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: run `python -m tsunagu bootstrap` or set TSUNAGU_SERVICE_KEY"
        )
    return path.read_text().strip().encode()


def _mac(key: bytes, caller: str, stamp: str, method: str, path: str) -> str:
    message = "\n".join((caller, stamp, method.upper(), path.split("?", 1)[0]))
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


class ServiceCredential:
    """Signs a caller's internal requests."""

    def __init__(self, key: bytes, caller: str) -> None:
        if ":" in caller:
            raise ValueError("a caller name may not contain ':'")
        self._key = key
        self.caller = caller

    def headers(self, method: str, path: str) -> dict[str, str]:
        stamp = str(int(time.time()))
        return {
            HEADER: f"{self.caller}:{stamp}:{_mac(self._key, self.caller, stamp, method, path)}"
        }


class ServiceCredentialVerifier:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def verify(self, value: str | None, method: str, path: str) -> str:
        """The caller's name, or :class:`MissingCredential` / :class:`BadCredential`."""
        if not value:
            raise MissingCredential("an internal call needs the service credential")
        caller, _, rest = value.partition(":")
        stamp, _, mac = rest.partition(":")
        if not caller or not stamp.isdigit() or not mac:
            raise BadCredential("malformed service credential")
        if abs(time.time() - int(stamp)) > MAX_SKEW_SECONDS:
            raise BadCredential("stale service credential")
        if not hmac.compare_digest(mac, _mac(self._key, caller, stamp, method, path)):
            raise BadCredential("wrong service credential")
        return caller
