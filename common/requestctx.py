"""The current request id, carried through HTTP calls, logs, audit entries and events."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

current_request_id: ContextVar[str | None] = ContextVar("tsunagu_request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(incoming: str | None) -> str:
    """Keep a well-formed incoming id (so a call chain shares one); otherwise mint one."""
    if incoming and _VALID.match(incoming):
        return incoming
    return new_request_id()
