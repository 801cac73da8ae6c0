"""Base pydantic models for request bodies and queries (no Flask here)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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
