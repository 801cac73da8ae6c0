"""The event envelope of DESIGN §4. Events are facts in the past tense; they carry ids
and the few fields consumers need, never whole records and never names."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from common.clock import as_utc, utcnow
from common.requestctx import current_request_id

_TYPE = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*$")


class MalformedEvent(ValueError):
    """A message that is not a valid envelope: a poison message, dead-lettered."""


def _uuid(value: Any, name: str, required: bool = False) -> uuid.UUID | None:
    if value in (None, ""):
        if required:
            raise MalformedEvent(f"{name} is required")
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise MalformedEvent(f"{name} is not a uuid") from exc


@dataclass(frozen=True)
class Event:
    type: str
    producer: str
    data: dict[str, Any]
    org_id: uuid.UUID | None = None
    consortium_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None
    version: int = 1
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime = field(default_factory=utcnow)
    request_id: str | None = field(default_factory=current_request_id.get)

    def __post_init__(self) -> None:
        if not _TYPE.match(self.type):
            raise MalformedEvent(f"bad event type {self.type!r}")
        object.__setattr__(self, "occurred_at", as_utc(self.occurred_at))

    @property
    def routing_key(self) -> str:
        return self.type

    def to_dict(self) -> dict[str, Any]:
        def s(value: uuid.UUID | None) -> str | None:
            return str(value) if value else None

        return {
            "id": str(self.id),
            "type": self.type,
            "occurred_at": self.occurred_at.isoformat(),
            "producer": self.producer,
            "org_id": s(self.org_id),
            "consortium_id": s(self.consortium_id),
            "actor_id": s(self.actor_id),
            "subject_id": s(self.subject_id),
            "version": self.version,
            "request_id": self.request_id,
            "data": self.data,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, raw: Any) -> Event:
        if not isinstance(raw, dict):
            raise MalformedEvent("envelope is not an object")
        try:
            occurred_at = datetime.fromisoformat(str(raw["occurred_at"]))
            data = raw.get("data") or {}
            if not isinstance(data, dict):
                raise MalformedEvent("data is not an object")
            event_id = _uuid(raw.get("id"), "id", required=True)
            assert event_id is not None
            return cls(
                id=event_id,
                type=str(raw["type"]),
                occurred_at=occurred_at,
                producer=str(raw["producer"]),
                org_id=_uuid(raw.get("org_id"), "org_id"),
                consortium_id=_uuid(raw.get("consortium_id"), "consortium_id"),
                actor_id=_uuid(raw.get("actor_id"), "actor_id"),
                subject_id=_uuid(raw.get("subject_id"), "subject_id"),
                version=int(raw.get("version", 1)),
                request_id=raw.get("request_id"),
                data=data,
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            # OverflowError: a date at the edge of the calendar (year 1 in JST) cannot be
            # moved to UTC — as malformed as any other bad field.
            if isinstance(exc, MalformedEvent):
                raise
            raise MalformedEvent(f"{type(exc).__name__}: {exc}") from exc

    @classmethod
    def from_json(cls, body: str | bytes) -> Event:
        try:
            raw = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise MalformedEvent("body is not JSON") from exc
        return cls.from_dict(raw)
