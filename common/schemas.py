"""Base pydantic models for request bodies and queries (no Flask here)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from common.clock import JST, as_utc

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Body(BaseModel):
    """Base for request bodies: unknown fields are refused, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, populate_by_name=True)


class PageQuery(Query):
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=512)


def _moment(value: Any) -> Any:
    """A date alone is 00:00 JST that day; a naive time is JST; everything ends up UTC."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            try:
                day = date.fromisoformat(text)
            except ValueError:
                raise ValueError("Not a valid date") from None
            return as_utc(datetime.combine(day, time(), tzinfo=JST))
        try:
            return as_utc(datetime.fromisoformat(text))
        except ValueError:
            raise ValueError("Not a valid date and time (ISO 8601)") from None
    if isinstance(value, datetime):
        return as_utc(value)
    return value


JstMoment = Annotated[datetime, BeforeValidator(_moment)]
"""A point in time from a client: ISO 8601, or a date alone meaning 00:00 JST that day."""


class AuditQuery(PageQuery):
    """``GET /audit`` in every service (the gateway merges them)."""

    resource_id: str | None = Field(default=None, max_length=64)
    actor_id: uuid.UUID | None = None
    from_: JstMoment | None = Field(default=None, alias="from")
    to: JstMoment | None = None
    format: str | None = Field(default=None, pattern="^(json|csv)$")
