from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from common.clock import JST
from common.fiscal import fiscal_year_bounds, fiscal_year_label, fiscal_year_of


def test_ten_past_midnight_on_1_april_jst_is_already_the_new_fiscal_year() -> None:
    moment = datetime(2021, 4, 1, 0, 10, tzinfo=JST)
    assert moment.astimezone(UTC).day == 31  # still 31 March in UTC
    assert fiscal_year_of(moment) == 2021


def test_half_past_eleven_on_31_march_jst_is_the_old_fiscal_year() -> None:
    assert fiscal_year_of(datetime(2021, 3, 31, 23, 30, tzinfo=JST)) == 2020


def test_a_naive_datetime_is_read_as_jst_wall_clock() -> None:
    assert fiscal_year_of(datetime(2021, 4, 1, 0, 10)) == 2021


def test_a_calendar_date_decides_by_itself() -> None:
    assert fiscal_year_of(date(2020, 4, 1)) == 2020
    assert fiscal_year_of(date(2021, 3, 31)) == 2020


@pytest.mark.parametrize(
    ("year", "label"),
    [(2019, "令和元年度"), (2020, "令和2年度"), (2024, "令和6年度"), (2018, "2018年度")],
)
def test_fiscal_years_are_labelled_in_the_reiwa_era(year: int, label: str) -> None:
    assert fiscal_year_label(year) == label


def test_english_labels_use_the_gregorian_year() -> None:
    assert fiscal_year_label(2020, "en") == "FY2020"


def test_fiscal_year_bounds_are_jst_midnights() -> None:
    start, end = fiscal_year_bounds(2020)
    assert start == datetime(2020, 3, 31, 15, 0, tzinfo=UTC)
    assert end == datetime(2021, 3, 31, 15, 0, tzinfo=UTC)
