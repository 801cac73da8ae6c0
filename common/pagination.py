"""Cursor pagination: ``{"items": [...], "next_cursor": str|null}`` with ``?limit=`` (default
50, max 200) and an opaque ``?cursor=`` that encodes the last row's sort key."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from common.errors import FieldError, ValidationFailed

T = TypeVar("T")


def encode_cursor(key: Sequence[Any]) -> str:
    raw = json.dumps(list(key), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, arity: int) -> list[Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(FieldError("cursor", "Malformed cursor", "cursor_invalid")) from exc
    if not isinstance(key, list) or len(key) != arity:
        raise ValidationFailed(FieldError("cursor", "Malformed cursor", "cursor_invalid"))
    return key


def page(
    rows: Sequence[T], limit: int, key_of: Callable[[T], Sequence[Any]], shape: Callable[[T], Any]
) -> dict[str, Any]:
    """Shape a page from ``limit + 1`` fetched rows: the extra row only says there is more."""
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [shape(r) for r in rows],
        "next_cursor": encode_cursor(key_of(rows[-1])) if more and rows else None,
    }
