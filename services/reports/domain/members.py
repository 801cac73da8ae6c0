"""A member's figures per fiscal year, counted only from its start in the consortium, and
who may see them how (docs/reports.md, "Member-level figures").

Pure: the operations pass the tallies of whole years and the facts of a start year; this
module decides which year is whole, partial or before the start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from common.clock import JST, jst_date
from common.fiscal import fiscal_year_label
from services.reports.domain.kpi import KPIS
from services.reports.domain.report import ZERO, Counts
from services.reports.domain.suppression import complete, suppress_rows


@dataclass(frozen=True)
class Start:
    starts_on: date | None
    """The effective first day (JST); None when neither set nor known from registration."""
    set_by_admin: bool
    registered_on: date | None


def start_of(starts_on: date | None, registered_at: datetime | None) -> Start:
    registered_on = jst_date(registered_at) if registered_at else None
    return Start(starts_on or registered_on, starts_on is not None, registered_on)


def first_fiscal_day(year: int) -> date:
    return date(year, 4, 1)


def year_status(start: date | None, year: int) -> str:
    """``before`` (not yet a member all year), ``partial`` (joined during it) or ``member``."""
    if start is None or start <= first_fiscal_day(year):
        return "member"
    if start >= first_fiscal_day(year + 1):
        return "before"
    return "partial"


def start_moment(start: date) -> datetime:
    """Midnight in Japan of the start day: facts from then on count."""
    return datetime.combine(start, time(0), tzinfo=JST)


def figures(measures: Mapping[str, Counts]) -> dict[str, int]:
    """KPI code → the KPI's actual (persons or events) from a member's counts."""
    out = {}
    for code, defn in KPIS.items():
        counts = measures.get(defn.measure, ZERO)
        out[code.value] = counts.persons if defn.counts == "persons" else counts.events
    return out


def member_year(year: int, status: str, measures: Mapping[str, Counts] | None) -> dict[str, Any]:
    return {
        "fiscal_year": year,
        "label": fiscal_year_label(year),
        "label_en": fiscal_year_label(year, "en"),
        "status": status,
        "figures": None if status == "before" or measures is None else figures(measures),
    }


def suppress_members(members: list[dict[str, Any]], threshold: int) -> list[dict[str, Any]]:
    """The small-cell rule for readers without the consortium's reporting duty: every count
    from 1 to threshold − 1 hidden, and a second member's cell hidden when exactly one is
    (per year and KPI), since the consortium's figure beside it could give it away by
    subtraction (exactly for contacts, which add up; for persons when no one is shared)."""
    out = [dict(m) for m in members]
    years = len(out[0]["years"]) if out else 0
    for index in range(years):
        cells = []
        for member in out:
            member["years"] = list(member["years"])
            year = dict(member["years"][index])
            member["years"][index] = year
            if year["figures"] is not None:
                year["figures"] = suppress_rows(
                    [year["figures"]], tuple(year["figures"]), {}, threshold
                )[0]
                cells.append(year["figures"])
        for code in KPIS:
            complete(cells, code.value)
    return out
