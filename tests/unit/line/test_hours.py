"""The desk's hours at their edges, in JST: open inclusive, close exclusive; over midnight;
weekdays; closed days."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from common.clock import JST
from services.line.domain.hours import Hours, out_of_hours_text, parse_hhmm

THU = date(2026, 12, 3)  # a Thursday (weekday 3)


def at(day: date, hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=JST)


def test_the_default_desk_is_open_from_16_00_until_just_before_21_00_every_day() -> None:
    hours = Hours()
    assert not hours.is_open(at(THU, 15, 59, 59))
    assert hours.is_open(at(THU, 16, 0))
    assert hours.is_open(at(THU, 20, 59, 59))
    assert not hours.is_open(at(THU, 21, 0))
    assert all(hours.is_open(at(date(2026, 12, d), 18, 0)) for d in range(1, 8))


def test_the_hours_are_jst_whatever_the_timezone_of_the_moment() -> None:
    hours = Hours()
    utc = at(THU, 20, 59, 59).astimezone(datetime.now().astimezone().tzinfo)
    assert hours.is_open(utc)
    assert not hours.is_open(datetime.fromisoformat("2026-12-03T12:00:00+00:00"))  # 21:00 JST


def test_a_desk_open_over_midnight_belongs_to_the_day_its_shift_started() -> None:
    hours = Hours.of("22:00", "02:00", weekdays=[3])  # Thursday nights only
    assert hours.is_open(at(THU, 22, 0))
    assert hours.is_open(at(date(2026, 12, 4), 1, 59, 59))  # Friday small hours
    assert not hours.is_open(at(date(2026, 12, 4), 2, 0))
    assert not hours.is_open(at(date(2026, 12, 4), 22, 0))  # Friday evening: no shift
    assert not hours.is_open(at(THU, 1, 0))  # Wednesday's night had no shift


def test_weekdays_and_closed_days_start_no_shift() -> None:
    hours = Hours.of("16:00", "21:00", weekdays=[0, 1, 2, 3, 4], closed_days=[THU])
    assert not hours.is_open(at(THU, 18, 0))
    assert hours.is_open(at(date(2026, 12, 4), 18, 0))
    assert not hours.is_open(at(date(2026, 12, 5), 18, 0))  # Saturday


def test_bad_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="differ"):
        Hours.of("16:00", "16:00")
    with pytest.raises(ValueError, match="HH:MM"):
        parse_hhmm("24:00")
    with pytest.raises(ValueError, match="weekdays"):
        Hours.of("16:00", "21:00", weekdays=[7])


def test_the_default_out_of_hours_text_names_the_hours_and_the_emergency_numbers() -> None:
    text = out_of_hours_text(None, Hours.of("16:00", "21:00", weekdays=[0, 2]))
    assert "月水 16:00–21:00" in text
    assert "119" in text
    assert "110" in text
    assert out_of_hours_text("独自の文面", Hours()) == "独自の文面"
