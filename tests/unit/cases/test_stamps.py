from __future__ import annotations

from datetime import datetime

from common.clock import JST
from services.cases.domain.stamps import stamped


def test_ten_past_midnight_on_1_april_jst_is_already_the_new_fiscal_year() -> None:
    data = stamped("occurred_at", datetime(2021, 4, 1, 0, 10, tzinfo=JST))
    assert data == {"occurred_at": "2021-03-31T15:10:00+00:00", "fiscal_year": 2021}


def test_half_past_eleven_on_31_march_jst_is_still_the_old_one() -> None:
    assert stamped("at", datetime(2021, 3, 31, 23, 30, tzinfo=JST))["fiscal_year"] == 2020
