"""The LINE service's use cases: one function per use case, each owning its transaction."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from common.clock import Clock
from common.datakey import SecretBox
from services.line.domain.sending import RateLimiter

if TYPE_CHECKING:
    from common.service import Runtime
    from services.line.cases_client import CaseOpener
    from services.line.platform import LinePlatform

SECRET_ROTATION_GRACE = timedelta(days=7)
"""How long a replaced channel secret is still accepted: LINE may sign with it until the
console change has spread, and redeliveries of older events carry its signatures."""
SEND_RATE_PER_SECOND = 100.0
"""Below LINE's own limit (2,000 requests a second for reply and push) with room for retries
from several workers."""


class SecretCache:
    """Each channel's accepted secrets, opened, for a few seconds: the webhook's hot path then
    checks a signature without a database read or a decryption. A signature that fails
    against the cached secrets is checked again against the database (a rotation just made
    in another process)."""

    def __init__(self, ttl_seconds: float = 5.0) -> None:
        self.ttl = ttl_seconds
        self._entries: dict[uuid.UUID, tuple[float, list[tuple[str, datetime | None]]]] = {}
        self._lock = threading.Lock()

    def get(self, channel_id: uuid.UUID) -> list[tuple[str, datetime | None]] | None:
        with self._lock:
            entry = self._entries.get(channel_id)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, channel_id: uuid.UUID, secrets: list[tuple[str, datetime | None]]) -> None:
        with self._lock:
            if len(self._entries) > 1000:
                self._entries.clear()
            self._entries[channel_id] = (time.monotonic() + self.ttl, secrets)


@dataclass
class LineDeps:
    box: SecretBox
    """Seals channel secrets, access tokens and LINE user ids (common.datakey)."""
    hash_key: bytes
    """Keys the LINE user pseudonym (domain.pseudonyms)."""
    platform: LinePlatform
    cases: CaseOpener
    """Opens a case from a conversation, on the counsellor's behalf (cases_client)."""
    clock: Clock
    public_url: str
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(SEND_RATE_PER_SECOND))
    secret_grace: timedelta = SECRET_ROTATION_GRACE
    secrets: SecretCache = field(default_factory=SecretCache)


def build_deps(runtime: Runtime, **overrides: Any) -> LineDeps:
    import hashlib

    from common.datakey import load_data_key
    from services.line.cases_client import CasesClient
    from services.line.platform import LinePlatform

    settings = runtime.settings
    key = load_data_key(settings.data_key, settings.keys_dir)
    values: dict[str, Any] = {
        "box": SecretBox(key),
        # A key of its own, derived from the data key, so the pseudonym never equals
        # anything the data key seals.
        "hash_key": hashlib.sha256(b"tsunagu line user pseudonym\0" + key).digest(),
        "platform": LinePlatform(settings.line_api_url, settings.line_data_api_url),
        "cases": CasesClient(settings.service_url("cases"), settings.upstream_timeout_seconds),
        "clock": runtime.clock,
        "public_url": settings.public_url,
    }
    unknown = set(overrides) - set(LineDeps.__dataclass_fields__)
    if unknown:
        raise TypeError(f"line takes no dependency overrides named {sorted(unknown)}")
    values.update(overrides)
    return LineDeps(**values)
