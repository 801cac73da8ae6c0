"""Cursor pagination: ``{"items": [...], "next_cursor": str|null}`` with ``?limit=`` (default
50, max 200) and an opaque ``?cursor=`` that encodes the last row's sort key.

Every list goes through :func:`keyset_list`; a cursor that does not decode, or whose values
do not fit the sort columns, is a 422 with a field error on ``cursor``."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute, Session

from common.errors import FieldError, ValidationFailed

T = TypeVar("T")
OrderColumn = QueryableAttribute[Any] | sa.ColumnElement[Any]


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(FieldError("cursor", "Malformed cursor", "cursor_invalid"))


def encode_token(value: Any) -> str:
    """Any JSON value as URL-safe base64 without padding (the cursor wire format)."""
    raw = json.dumps(value, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> Any:
    """The JSON value of ``token``; raises ``ValueError`` if it is not one."""
    try:
        padded = token + "=" * (-len(token) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("not a cursor") from exc


def encode_cursor(key: Sequence[Any]) -> str:
    return encode_token([_plain(v) for v in key])


def decode_cursor(cursor: str | None, arity: int) -> list[Any] | None:
    if not cursor:
        return None
    try:
        key = decode_token(cursor)
    except ValueError as exc:
        raise _bad_cursor() from exc
    if not isinstance(key, list) or len(key) != arity:
        raise _bad_cursor()
    return key


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None

    def as_dict(self, shape: Callable[[T], Any] | None = None) -> dict[str, Any]:
        """The wire shape, each item passed through ``shape`` if given."""
        items = [shape(i) for i in self.items] if shape else list(self.items)
        return {"items": items, "next_cursor": self.next_cursor}


def keyset_list(
    session: Session,
    stmt: sa.Select[Any],
    order: Sequence[OrderColumn],
    cursor: str | None,
    limit: int,
    *,
    descending: bool = False,
) -> Page[Any]:
    """One page of ``stmt`` (a select of ORM entities) ordered by the ``order`` columns (the
    last one unique), starting after ``cursor``. Row-value comparison works on SQLite and
    PostgreSQL. One extra row is fetched only to know whether there is a next page."""
    after = decode_cursor(cursor, len(order))
    if after is not None:
        try:
            values = tuple(_coerce(c, v) for c, v in zip(order, after, strict=True))
        except (ValueError, TypeError, AttributeError) as exc:
            raise _bad_cursor() from exc
        key = sa.tuple_(*order)
        stmt = stmt.where(key < values if descending else key > values)
    ordering = [c.desc() if descending else c.asc() for c in order]
    rows = list(session.scalars(stmt.order_by(*ordering).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        next_cursor = encode_cursor([getattr(rows[-1], _attribute(c)) for c in order])
    return Page(rows, next_cursor)


def _attribute(column: OrderColumn) -> str:
    key = getattr(column, "key", None)
    if not isinstance(key, str):
        raise TypeError(f"order column {column!r} has no attribute name")
    return key


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _coerce(column: OrderColumn, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list | dict):  # a key holds plain values only
        raise TypeError("not a key value")
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    if python_type is datetime:
        if not isinstance(value, str):
            raise TypeError("a time must be a string")
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:  # the columns hold aware times; a naive one is forged
            raise ValueError("a cursor time carries its offset")
        return moment
    if python_type is uuid.UUID:
        if not isinstance(value, str):
            raise TypeError("an id must be a string")
        return uuid.UUID(value)
    if python_type in (int, float, str, bool):
        return python_type(value)
    return value
