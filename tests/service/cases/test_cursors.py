"""Every paginated list of the cases service refuses a tampered cursor alike."""

from __future__ import annotations

import pytest

from common.pagination import encode_token
from tests.service.cases.support import Api, Member
from tests.service.cursors import BAD_CURSORS, assert_cursor_refused


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_tampered_cursor_is_a_field_error(api: Api, member: Member, cursor: str) -> None:
    api.as_(member.staff).open_case(display_name="P")
    query = {"cursor": cursor}
    assert_cursor_refused(api.as_(member.staff).get("/cases", query_string=query))
    assert_cursor_refused(api.as_(member.admin).get("/audit", query_string=query))


def test_a_time_without_its_offset_is_refused(api: Api, member: Member) -> None:
    cursor = encode_token(["2026-04-01T00:00:00", "6f1c1a52-3a7e-4b43-9a55-1b1f0b1d2c3e"])
    assert_cursor_refused(api.as_(member.staff).get("/cases", query_string={"cursor": cursor}))
