"""How the current figures differ from a frozen snapshot: a correction never changes a
submitted report silently — it shows up here, figure by figure."""

from __future__ import annotations

from typing import Any

from services.reports.domain.report import table_rows

FIELDS = ("target", "actual", "persons", "contacts")


def _number(value: Any) -> int | float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def report_diff(frozen: dict[str, Any], current: dict[str, Any]) -> list[dict[str, Any]]:
    """Changes between two unsuppressed KPI reports of the same scope and year."""
    changes: list[dict[str, Any]] = []
    now = {row["kpi"]: row for row in table_rows(current["rows"])}
    for old in table_rows(frozen["rows"]):
        new = now.get(old["kpi"])
        if new is None:
            continue
        pairs = [(f, old.get(f), new.get(f)) for f in FIELDS]
        pairs += [
            (f"cumulative.{f}", old["cumulative"].get(f), new["cumulative"].get(f))
            for f in ("target", "actual")
        ]
        for field, before, after in pairs:
            if before == after:
                continue
            b, a = _number(before), _number(after)
            changes.append(
                {
                    "kpi": old["kpi"],
                    "label": old["label"],
                    "field": field,
                    "frozen": before,
                    "current": after,
                    "delta": (a - b) if a is not None and b is not None else None,
                }
            )
    return changes
