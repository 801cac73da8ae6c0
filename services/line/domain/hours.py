"""The desk's hours (受付時間), in JST: a shift opens at ``open`` on the weekdays listed and
closes at ``close`` — the next day when ``close`` is earlier than ``open`` (over midnight).
On a closed day (a holiday) no shift starts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from common.clock import JST, as_utc

DEFAULT_OPEN = "16:00"
DEFAULT_CLOSE = "21:00"
EVERY_DAY = frozenset(range(7))
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

DEFAULT_OUT_OF_HOURS_MESSAGE = (
    "メッセージありがとうございます。ただいま受付時間外です（受付：{hours}）。"
    "いただいたメッセージは、次の受付時間に相談員が順番に拝見します。\n"
    "急ぎのご相談は、よりそいホットライン 0120-279-338（24時間）、"
    "いのちの電話 0570-783-556 へ。"
    "命に危険があるときは 119（救急）・110（警察）に電話してください。"
)
"""Where to turn meanwhile: phone lines open now, and the emergency numbers."""


def parse_hhmm(value: str) -> time:
    match = _HHMM.match(value)
    if match is None:
        raise ValueError("Use HH:MM (00:00–23:59)")
    return time(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class Hours:
    open: time = time(16, 0)
    close: time = time(21, 0)
    weekdays: frozenset[int] = EVERY_DAY
    """Days a shift starts on, Monday = 0."""
    closed_days: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.open == self.close:
            raise ValueError("open and close must differ")
        if not self.weekdays <= EVERY_DAY:
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")

    @classmethod
    def of(
        cls,
        open_: str,
        close: str,
        weekdays: Iterable[int] = EVERY_DAY,
        closed_days: Iterable[date] = (),
    ) -> Hours:
        return cls(
            parse_hhmm(open_), parse_hhmm(close), frozenset(weekdays), frozenset(closed_days)
        )

    @property
    def over_midnight(self) -> bool:
        return self.close < self.open

    def _shift_starts(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.closed_days

    def is_open(self, moment: datetime) -> bool:
        """Whether the desk is open at ``moment`` (open inclusive, close exclusive)."""
        local = as_utc(moment).astimezone(JST)
        day, clock = local.date(), local.time().replace(tzinfo=None)
        if not self.over_midnight:
            return self._shift_starts(day) and self.open <= clock < self.close
        if clock >= self.open:
            return self._shift_starts(day)
        # Before the close in the small hours: the shift began the evening before.
        return clock < self.close and self._shift_starts(day - timedelta(days=1))

    def label(self) -> str:
        """``16:00–21:00`` (with the days when not every day), for the out-of-hours text."""
        text = f"{self.open:%H:%M}–{self.close:%H:%M}"
        if self.weekdays != EVERY_DAY:
            names = "月火水木金土日"
            text = "".join(names[d] for d in sorted(self.weekdays)) + " " + text
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "open": f"{self.open:%H:%M}",
            "close": f"{self.close:%H:%M}",
            "weekdays": sorted(self.weekdays),
            "closed_days": sorted(d.isoformat() for d in self.closed_days),
        }


def out_of_hours_text(custom: str | None, hours: Hours) -> str:
    if custom:
        return custom
    return DEFAULT_OUT_OF_HOURS_MESSAGE.format(hours=hours.label())
