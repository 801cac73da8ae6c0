"""Small-cell suppression for consortium-wide views (DESIGN §3): a count of 1 to
threshold−1 is shown as "<5", so that a figure cannot point at a person. Zero is shown:
it points at no one. Targets are plans, not counts, and are never suppressed. An
attainment or a rate computed from a hidden count is hidden too."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

Cell = int | str


def cell(value: int, threshold: int) -> Cell:
    return f"<{threshold}" if 0 < abs(value) < threshold else value


def is_hidden(value: Any) -> bool:
    return isinstance(value, str)


def _hide(obj: dict[str, Any], keys: tuple[str, ...], threshold: int) -> None:
    for key in keys:
        value = obj.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            obj[key] = cell(value, threshold)


def suppress_kpi_report(report: dict[str, Any], threshold: int) -> dict[str, Any]:
    out = copy.deepcopy(report)
    for row in out["rows"]:
        _hide(row, ("actual", "persons", "contacts", "unfollows", "net"), threshold)
        if is_hidden(row["actual"]):
            row["attainment"] = None
        for part in row.get("breakdown") or ():
            _hide(part, ("persons", "contacts"), threshold)
        for year in row["years"]:
            _hide(year, ("actual",), threshold)
            if is_hidden(year["actual"]):
                year["attainment"] = None
        _hide(row["cumulative"], ("actual",), threshold)
        if is_hidden(row["cumulative"]["actual"]):
            row["cumulative"]["attainment"] = None
    out["suppressed"] = True
    out["small_cell_threshold"] = threshold
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
