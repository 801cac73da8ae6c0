"""Small-cell suppression for consortium-wide views (DESIGN §3).

- **Primary**: a count of 1 to threshold−1 is shown as ``"<5"``, so that a figure cannot
  point at a person. Zero is shown: it points at no one.
- **Secondary**: a figure from which a hidden count could be worked out by subtraction is
  shown as ``"x"`` (秘匿, as in Japanese official statistics): a cumulative column next to a
  hidden year, the other half of a two-way split, the
  one other month when a single month of an additive row is hidden, a running total after a
  hidden month.
- Targets are plans, not counts, and are never hidden. An attainment, a rate or a median
  computed from a hidden count is ``None``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

Cell = int | str
SECONDARY = "x"


def cell(value: int, threshold: int) -> Cell:
    return f"<{threshold}" if 0 < abs(value) < threshold else value


def is_hidden(value: Any) -> bool:
    return isinstance(value, str)


def _hide(obj: dict[str, Any], keys: tuple[str, ...], threshold: int) -> None:
    for key in keys:
        value = obj.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            obj[key] = cell(value, threshold)


def complete(cells: list[dict[str, Any]], key: str) -> None:
    """Secondary suppression for cells that add up to a total shown elsewhere: when exactly
    one is hidden, hide the smallest other non-zero one as well, so neither can be worked
    out from the total."""
    hidden = [c for c in cells if is_hidden(c.get(key))]
    if len(hidden) != 1:
        return
    visible = [c for c in cells if isinstance(c.get(key), int) and c[key] != 0]
    if visible:
        min(visible, key=lambda c: c[key])[key] = SECONDARY


def suppress_kpi_report(report: dict[str, Any], threshold: int) -> dict[str, Any]:
    out = copy.deepcopy(report)
    for row in out["rows"]:
        _suppress_row(row, threshold)
        for beside in row.get("beside") or ():
            _suppress_row(beside, threshold)
    out["suppressed"] = True
    out["small_cell_threshold"] = threshold
    return out


def _suppress_row(row: dict[str, Any], threshold: int) -> None:
    """One row of the KPI table (a KPI, or a measure shown beside one), in place."""
    _hide(row, ("actual", "persons", "contacts"), threshold)
    if is_hidden(row["actual"]):
        row["attainment"] = None
    parts = row.get("breakdown") or []
    for part in parts:
        _hide(part, ("persons", "contacts"), threshold)
    if row["kpi"] in ("consulted_persons", "contacts_total"):
        # In person / family only: the two halves add up to the row's persons.
        complete(parts, "persons")
    for year in row["years"]:
        _hide(year, ("actual",), threshold)
        if is_hidden(year["actual"]):
            year["attainment"] = None
    cumulative = row["cumulative"]
    _hide(cumulative, ("actual",), threshold)
    if any(is_hidden(y["actual"]) for y in row["years"]) and not is_hidden(cumulative["actual"]):
        cumulative["actual"] = SECONDARY  # the sum of the years would reveal the hidden one
    if is_hidden(cumulative["actual"]):
        cumulative["attainment"] = None


def suppress_months(
    months: list[dict[str, Any]], additive: tuple[str, ...], threshold: int
) -> list[dict[str, Any]]:
    """One KPI's twelve months. ``additive`` names the figures whose months add up to the
    year's (contacts, persons new in the year); ``cumulative`` is their running total."""
    out = copy.deepcopy(months)
    for month in out:
        _hide(month, ("actual", "persons", "new_persons", "contacts", "cumulative"), threshold)
    for key in additive:
        complete(out, key)
    source = "new_persons" if "new_persons" in additive else "contacts"
    broken = False
    for month in out[:-1]:  # the last running total is the year's, shown in the table anyway
        broken = broken or is_hidden(month[source])
        if broken and not is_hidden(month["cumulative"]):
            month["cumulative"] = SECONDARY
    return out


def suppress_rows(
    rows: list[dict[str, Any]],
    keys: tuple[str, ...],
    dependent: Mapping[str, tuple[str, ...]],
    threshold: int,
) -> list[dict[str, Any]]:
    """Hide ``keys`` in each row; ``dependent`` maps a derived field (a rate, a median) to
    the counts it comes from, and is hidden when any of them is."""
    out = copy.deepcopy(rows)
    for row in out:
        _hide(row, keys, threshold)
        for derived, sources in dependent.items():
            if any(is_hidden(row.get(source)) for source in sources):
                row[derived] = None
    return out
