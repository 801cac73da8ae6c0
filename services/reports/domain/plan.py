"""Plan periods (計画期間): the N fiscal years a cumulative column adds up."""

from __future__ import annotations

from dataclasses import dataclass

from common.fiscal import fiscal_year_label

DEFAULT_PLAN_YEARS = 3
"""Both seed programmes plan over three years."""
MAX_PLAN_YEARS = 10


@dataclass(frozen=True)
class PlanPeriod:
    start: int
    years: int

    @property
    def fiscal_years(self) -> list[int]:
        return [self.start + i for i in range(self.years)]

    @property
    def end(self) -> int:
        return self.start + self.years - 1

    def as_dict(self) -> dict[str, object]:
        return {
            "start_fiscal_year": self.start,
            "years": self.years,
            "label": f"{fiscal_year_label(self.start)}〜{fiscal_year_label(self.end)}",
            "fiscal_years": [
                {
                    "fiscal_year": y,
                    "label": fiscal_year_label(y),
                    "label_en": fiscal_year_label(y, "en"),
                }
                for y in self.fiscal_years
            ],
        }


def plan_for(
    fiscal_year: int,
    *,
    stored: PlanPeriod | None = None,
    earliest_target_year: int | None = None,
) -> PlanPeriod:
    """The plan period that contains ``fiscal_year``.

    The anchor is the stored plan's start, else the earliest year with a target, else the
    year itself; periods repeat every N years from the anchor in both directions, so the
    report of a year after the plan shows the next plan period.
    """
    years = stored.years if stored else DEFAULT_PLAN_YEARS
    if stored is not None:
        anchor = stored.start
    elif earliest_target_year is not None:
        anchor = earliest_target_year
    else:
        anchor = fiscal_year
    start = anchor + ((fiscal_year - anchor) // years) * years
    return PlanPeriod(start, years)
