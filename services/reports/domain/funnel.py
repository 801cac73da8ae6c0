"""The support funnel: 相談 → 求職活動 → 進路決定 → 6か月定着, distinct persons reaching each
stage in the fiscal year, with the rate from the stage before and from the first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.reports.domain.kpi import FUNNEL
from services.reports.domain.report import ZERO, Counts


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole > 0 else None


def funnel(year: Mapping[str, Counts]) -> list[dict[str, Any]]:
    stages: list[dict[str, Any]] = []
    first = year.get(FUNNEL[0].measure, ZERO).persons
    previous: int | None = None
    for stage in FUNNEL:
        persons = year.get(stage.measure, ZERO).persons
        stages.append(
            {
                "stage": stage.key,
                "label": stage.label,
                "label_en": stage.label_en,
                "persons": persons,
                "previous_persons": previous,
                "rate_from_previous": _rate(persons, previous) if previous is not None else None,
                "rate_from_first": _rate(persons, first),
            }
        )
        previous = persons
    return stages
