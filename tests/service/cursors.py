"""Cursors a hostile or careless client sends: each must be a 422 with a field error on
``cursor``, never a 500 and never a page."""

from __future__ import annotations

import uuid
from typing import Any

from common.pagination import encode_token

BAD_CURSORS = [
    "garbage!!",  # not base64 JSON
    encode_token({"after": 1}),  # JSON, not a key
    encode_token([str(uuid.uuid4())]),  # a key of the wrong length
    encode_token(["2026-04-01T00:00:00+00:00", "not-an-id"]),
    encode_token(["2026-04-01T00:00:00+00:00", 12345]),
    encode_token([{"name": "x"}, "6f1c1a52-3a7e-4b43-9a55-1b1f0b1d2c3e"]),
    "x" * 600,  # longer than any cursor we hand out
]


def assert_cursor_refused(response: Any) -> None:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.content_type.startswith("application/problem+json")
    assert "cursor" in {e["field"] for e in response.json["errors"]}
