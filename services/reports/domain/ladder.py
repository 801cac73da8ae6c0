"""The ladder of support (Kagoshima's programme): 相談 → 職場見学 → カントリーワーク → 体験就労
→ 求職活動 → 進路決定 → 定着. When each person first reached each rung, and from that the
persons reaching each rung in a fiscal year and the median days spent on it.

Pure: :func:`rungs_of` reads an event, :func:`ladder` adds up the dates. A rung's date is
the date of the fact that put the person on it — an activity's or an outcome's own
``occurred_at``, a stage change's ``changed_at`` (for a change a record caused, the
record's date, not the moment it was typed; docs/events.md) — never when it was entered.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from common.errors import UnusableEvent
from services.reports.domain.facts import fiscal_period, placed_time


@dataclass(frozen=True)
class Rung:
    key: str
    label: str
    label_en: str


LADDER = (
    Rung("consultation", "相談", "Consultation"),
    Rung("workplace_tour", "職場見学", "Workplace tour"),
    Rung("country_work", "カントリーワーク", "Country work"),
    Rung("work_experience", "体験就労", "Work experience"),
    Rung("job_search", "求職活動", "Job search"),
    Rung("path_decided", "進路決定", "Path decided"),
    Rung("retention", "定着", "Retention"),
)
ORDER = {rung.key: i for i, rung in enumerate(LADDER)}

ACTIVITY_RUNGS = {
    "workplace_tour": "workplace_tour",
    "country_work": "country_work",
    "work_experience": "work_experience",
    "job_application": "job_search",
}
"""Activities that put a person on a rung (a job application is a job search)."""
STAGE_RUNGS = {
    "intake": "consultation",
    "job_search": "job_search",
    "employed": "path_decided",
    "retention": "retention",
}
"""Case stages (services/cases) that are rungs; ``preparation`` and ``experience`` are not
one rung each, so a stage change to them counts through the record that caused it."""


def _outcome_rung(data: Mapping[str, Any]) -> str | None:
    kind = data.get("type")
    if kind == "job_search_started":
        return "job_search"
    if kind == "path_decided":
        return "path_decided"
    if kind == "retention" and data.get("retained") is not False:
        return "retention"
    return None


def _rung(event_type: str, data: Mapping[str, Any]) -> tuple[str | None, str]:
    """(rung or None, the field that dates it)."""
    if event_type in ("case.opened", "contact.logged"):
        return "consultation", "opened_at" if event_type == "case.opened" else "occurred_at"
    if event_type == "activity.recorded":
        kind = data.get("type")
        if kind == "retention_followup":
            return ("retention" if data.get("retained") is True else None), "occurred_at"
        return ACTIVITY_RUNGS.get(str(kind)), "occurred_at"
    if event_type == "outcome.recorded":
        return _outcome_rung(data), "occurred_at"
    if event_type == "case.stage_changed":
        record_type = data.get("record_type")
        if data.get("record") == "activity" and record_type in ACTIVITY_RUNGS:
            return ACTIVITY_RUNGS[str(record_type)], "changed_at"
        return STAGE_RUNGS.get(str(data.get("to_stage"))), "changed_at"
    return None, ""


@dataclass(frozen=True)
class Step:
    person_key: str
    rung: str
    reached_at: datetime
    fiscal_year: int


def rungs_of(event_type: str, data: Mapping[str, Any]) -> Step | None:
    """The rung an event puts a person on, dated by the fact (None: no rung)."""
    rung, time_field = _rung(event_type, data)
    if rung is None:
        return None
    person_key = data.get("person_key")
    if not person_key or len(str(person_key)) > 128:
        raise UnusableEvent("person_key is missing")
    moment = placed_time(data, time_field)
    return Step(str(person_key), rung, moment, fiscal_period(moment)[0])


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def ladder(
    reached: Mapping[str, Mapping[str, datetime]], year: int, now: datetime
) -> list[dict[str, Any]]:
    """Per rung: the persons who first reached it in ``year`` (JST), how many of them went
    higher and the median days until they did, how many are still on it, and the median
    days they have been there so far (to ``now``).

    ``reached`` is person key → rung → the first date. A person may skip rungs (no country
    work) or reach them out of order (a workplace tour after a job search began): the time
    on a rung runs to the first **higher** rung reached on or after it."""
    out = []
    for rung in LADDER:
        days_on: list[int] = []
        waiting: list[int] = []
        persons = 0
        for steps in reached.values():
            at = steps.get(rung.key)
            if at is None or fiscal_period(at)[0] != year:
                continue
            persons += 1
            later = [t for key, t in steps.items() if ORDER[key] > ORDER[rung.key] and t >= at]
            if later:
                days_on.append((min(later) - at).days)
            else:
                waiting.append(max(0, (now - at).days))
        out.append(
            {
                "rung": rung.key,
                "label": rung.label,
                "label_en": rung.label_en,
                "persons": persons,
                "moved_on": len(days_on),
                "still_here": len(waiting),
                "median_days": _median(days_on),
                "median_days_so_far": _median(waiting),
            }
        )
    return out


def first_dates(rows: Iterable[tuple[str, str, datetime]]) -> dict[str, dict[str, datetime]]:
    """(person key, rung, date) rows → person → rung → the earliest date."""
    out: dict[str, dict[str, datetime]] = {}
    for person_key, rung, at in rows:
        steps = out.setdefault(person_key, {})
        if rung not in steps or at < steps[rung]:
            steps[rung] = at
    return out
