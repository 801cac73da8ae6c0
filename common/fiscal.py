"""Japanese fiscal years (April–March, by the JST date) and their 令和 labels."""

from __future__ import annotations

from datetime import date, datetime

from common.clock import jst_date, start_of_jst_day

REIWA_OFFSET = 2018
"""令和N年 = N + 2018. By convention FY2019 is 令和元年度 although April 2019 was Heisei."""


def fiscal_year_of(moment: datetime | date) -> int:
    """The fiscal year a moment or a JST calendar date falls in.

    >>> from datetime import datetime
    >>> from common.clock import JST
    >>> fiscal_year_of(datetime(2021, 4, 1, 0, 10, tzinfo=JST))
    2021
    >>> fiscal_year_of(datetime(2021, 3, 31, 23, 30, tzinfo=JST))
    2020
    """
    day = jst_date(moment) if isinstance(moment, datetime) else moment
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[datetime, datetime]:
    """[start, end) of a fiscal year as aware UTC datetimes."""
    return (
        start_of_jst_day(date(fiscal_year, 4, 1)),
        start_of_jst_day(date(fiscal_year + 1, 4, 1)),
    )


def reiwa_year_label(year: int) -> str:
    """令和N年 for a Gregorian year ≥ 2019, with 元 for the first year."""
    n = year - REIWA_OFFSET
    if n < 1:
        raise ValueError(f"{year} is before 令和")
    return "令和元年" if n == 1 else f"令和{n}年"


def fiscal_year_label(fiscal_year: int, locale: str = "ja") -> str:
    """令和2年度 for 2020; "FY2020" in English. Years before 令和 use the Gregorian form."""
    if locale.startswith("en"):
        return f"FY{fiscal_year}"
    if fiscal_year - REIWA_OFFSET < 1:
        return f"{fiscal_year}年度"
    return reiwa_year_label(fiscal_year) + "度"


def plan_years(start_fiscal_year: int, years: int) -> list[int]:
    return [start_fiscal_year + i for i in range(years)]
