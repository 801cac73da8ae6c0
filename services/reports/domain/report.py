"""The KPI table: target, actual and attainment per KPI and year, with the plan-period
cumulative column, laid out like the programme's table (DESIGN §1).

Built unsuppressed from plain numbers; :mod:`.suppression` hides small cells for
consortium views afterwards, so a frozen snapshot keeps the true figures.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from common.fiscal import fiscal_year_label
from services.reports.domain import kpi
from services.reports.domain.kpi import BESIDE, KPIS, Kpi
from services.reports.domain.plan import PlanPeriod


@dataclass(frozen=True)
class Counts:
    events: int = 0
    """延べ"""
    persons: int = 0
    """実人数"""


ZERO = Counts()

YearTallies = Mapping[str, Counts]
"""measure → counts, for one scope and one fiscal year."""


def attainment(actual: int | None, target: int | None) -> float | None:
    """actual / target as a fraction; None without a (positive) target."""
    if target is None or target <= 0 or actual is None:
        return None
    return actual / target


def _figure(defn: kpi.KpiDefinition, counts: Counts) -> int:
    return counts.persons if defn.counts == "persons" else counts.events


def _breakdown(code: Kpi, year: YearTallies) -> list[dict[str, Any]] | None:
    if code is Kpi.PATH_DECIDED_PERSONS:
        return [
            {
                "key": path,
                "label": label,
                "label_en": label_en,
                "persons": year.get(kpi.path_measure(path), ZERO).persons,
                "contacts": year.get(kpi.path_measure(path), ZERO).events,
            }
            for path, (label, label_en) in kpi.PATH_KINDS.items()
        ]
    if code in (Kpi.CONSULTED_PERSONS, Kpi.CONTACTS_TOTAL):
        total = year.get(kpi.CONSULTATION, ZERO)
        own = year.get(kpi.CONSULTATION_SELF, ZERO)
        family = year.get(kpi.CONSULTATION_FAMILY, ZERO)
        return [
            {
                "key": "self",
                "label": "本人の相談あり",
                "label_en": "Consulted in person",
                "persons": own.persons,
                "contacts": own.events,
            },
            {
                "key": "family_only",
                "label": "家族の相談のみ",
                "label_en": "Family consultations only",
                "persons": total.persons - own.persons,
                "contacts": family.events,
            },
        ]
    return None


def kpi_row(
    code: Kpi,
    fiscal_year: int,
    plan: PlanPeriod,
    tallies: Mapping[int, YearTallies],
    targets: Mapping[int, Mapping[str, int]],
) -> dict[str, Any]:
    defn = KPIS[code]
    year = tallies.get(fiscal_year, {})
    counts = year.get(defn.measure, ZERO)
    target = targets.get(fiscal_year, {}).get(code.value)
    actual = _figure(defn, counts)
    years: list[dict[str, Any]] = []
    for y in plan.fiscal_years:
        y_actual = _figure(defn, tallies.get(y, {}).get(defn.measure, ZERO))
        y_target = targets.get(y, {}).get(code.value)
        years.append(
            {
                "fiscal_year": y,
                "label": fiscal_year_label(y),
                "target": y_target,
                "actual": y_actual,
                "attainment": attainment(y_actual, y_target),
            }
        )
    plan_targets = [y["target"] for y in years if y["target"] is not None]
    cumulative_target = sum(plan_targets) if plan_targets else None
    cumulative_actual = sum(int(y["actual"]) for y in years)
    row: dict[str, Any] = {
        "kpi": code.value,
        "label": defn.label,
        "label_en": defn.label_en,
        "counts": defn.counts,
        "target": target,
        "actual": actual,
        "attainment": attainment(actual, target),
        "persons": counts.persons,
        "contacts": counts.events,
        "years": years,
        "cumulative": {
            "target": cumulative_target,
            "actual": cumulative_actual,
            "attainment": attainment(cumulative_actual, cumulative_target),
        },
    }
    breakdown = _breakdown(code, year)
    if breakdown is not None:
        row["breakdown"] = breakdown
    if code in BESIDE:
        row["beside"] = [beside_row(b, code, fiscal_year, plan, tallies) for b in BESIDE[code]]
    return row


def beside_row(
    beside: kpi.BesideMeasure,
    code: Kpi,
    fiscal_year: int,
    plan: PlanPeriod,
    tallies: Mapping[int, YearTallies],
) -> dict[str, Any]:
    """A measure shown under a KPI row, shaped like one (so tables and files list it the
    same way) but without targets: its actual is its events (延べ)."""
    counts = tallies.get(fiscal_year, {}).get(beside.measure, ZERO)
    actuals = {y: tallies.get(y, {}).get(beside.measure, ZERO).events for y in plan.fiscal_years}
    years: list[dict[str, Any]] = [
        {
            "fiscal_year": y,
            "label": fiscal_year_label(y),
            "target": None,
            "actual": actual,
            "attainment": None,
        }
        for y, actual in actuals.items()
    ]
    return {
        "kpi": beside.key,
        "beside": code.value,
        "label": beside.label,
        "label_en": beside.label_en,
        "counts": "events",
        "target": None,
        "actual": counts.events,
        "attainment": None,
        "persons": counts.persons,
        "contacts": counts.events,
        "years": years,
        "cumulative": {
            "target": None,
            "actual": sum(actuals.values()),
            "attainment": None,
        },
    }


def table_rows(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The rows of a KPI table as printed: each KPI, then what it shows beside it."""
    for row in rows:
        yield row
        yield from row.get("beside") or ()


def kpi_report(
    fiscal_year: int,
    plan: PlanPeriod,
    tallies: Mapping[int, YearTallies],
    targets: Mapping[int, Mapping[str, int]],
) -> dict[str, Any]:
    """The whole table for one scope; ``tallies`` and ``targets`` cover the plan years
    (and ``fiscal_year`` itself, which the plan always contains)."""
    return {
        "fiscal_year": fiscal_year,
        "label": fiscal_year_label(fiscal_year),
        "label_en": fiscal_year_label(fiscal_year, "en"),
        "plan": plan.as_dict(),
        "rows": [kpi_row(code, fiscal_year, plan, tallies, targets) for code in KPIS],
    }
