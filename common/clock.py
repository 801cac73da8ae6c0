"""Time helpers. Stored times are UTC; people see Japan Standard Time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

JST = timezone(timedelta(hours=9), "JST")
"""Japan has no daylight saving time, so a fixed offset is exact."""


Clock = Callable[[], datetime]
"""Answers "now" as aware UTC; services take one so tests can move time."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Aware UTC datetime. A naive value is taken to be JST, the users' wall clock."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=JST)
    return moment.astimezone(UTC)


def jst_date(moment: datetime) -> date:
    """The calendar date in Japan at ``moment``."""
    return as_utc(moment).astimezone(JST).date()


def start_of_jst_day(day: date) -> datetime:
    """00:00 JST of ``day``, as aware UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=JST).astimezone(UTC)
