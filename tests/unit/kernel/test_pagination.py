"""The cursor format every list shares: opaque, round-trips the sort key, and anything
else is a field error on ``cursor``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from common.errors import ValidationFailed
from common.pagination import Page, decode_cursor, decode_token, encode_cursor, encode_token


def test_a_cursor_round_trips_its_key_as_plain_values() -> None:
    moment, ident = datetime(2026, 4, 1, 3, 0, tzinfo=UTC), uuid.uuid4()
    cursor = encode_cursor([moment, ident])
    assert "=" not in cursor
    assert decode_cursor(cursor, 2) == [moment.isoformat(), str(ident)]
    assert decode_cursor(None, 2) is None
    assert decode_cursor("", 2) is None


@pytest.mark.parametrize(
    "cursor", ["garbage!!", encode_token({"a": 1}), encode_token(["only one"]), "%%%"]
)
def test_anything_else_is_a_field_error_on_cursor(cursor: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        decode_cursor(cursor, 2)
    assert [(e.field, e.code) for e in raised.value.errors] == [("cursor", "cursor_invalid")]


def test_a_token_carries_any_json_value() -> None:
    assert decode_token(encode_token({"cases": "done"})) == {"cases": "done"}
    with pytest.raises(ValueError, match="not a cursor"):
        decode_token("not base64 json")


def test_a_page_shapes_its_items_for_the_wire() -> None:
    page = Page([1, 2], "next")
    assert page.as_dict(lambda n: {"n": n}) == {
        "items": [{"n": 1}, {"n": 2}],
        "next_cursor": "next",
    }
    assert Page([], None).as_dict() == {"items": [], "next_cursor": None}
