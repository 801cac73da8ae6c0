"""Charts as geometry: bars and their labels computed here, drawn as SVG by
templates/reports/_charts.html, each with a table beside it."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from gateway.i18n import locale
from gateway.views.reports import kpi_label

CHART_WIDTH = 320
CHART_HEIGHT = 190
PLOT = {"left": 44, "right": 8, "top": 14, "bottom": 34}


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return float(step * 4)
    magnitude = 10 ** (len(str(int(value))) - 1)
    return float(-(-value // magnitude) * magnitude)


def bar_chart(categories: list[str], series: list[dict[str, Any]]) -> dict[str, Any]:
    """Grouped vertical bars: one group per category, one bar per series. A value that is
    None (no target, or a hidden small cell) draws no bar."""
    values = [v for s in series for v in s["values"] if isinstance(v, int | float)]
    top = _nice_max(max(values, default=0))
    plot_w = CHART_WIDTH - PLOT["left"] - PLOT["right"]
    plot_h = CHART_HEIGHT - PLOT["top"] - PLOT["bottom"]
    group_w = plot_w / max(1, len(categories))
    bar_w = min(28.0, group_w * 0.8 / max(1, len(series)))
    bars = []
    for c, category in enumerate(categories):
        start = PLOT["left"] + c * group_w + (group_w - bar_w * len(series)) / 2
        for s, one in enumerate(series):
            value = one["values"][c]
            if not isinstance(value, int | float):
                continue
            h = plot_h * value / top
            bars.append(
                {
                    "x": round(start + s * bar_w, 1),
                    "y": round(PLOT["top"] + plot_h - h, 1),
                    "w": round(bar_w - 2, 1),
                    "h": round(h, 1),
                    "series": s,
                    "value": value,
                    "category": category,
                }
            )
    ticks = [
        {"y": round(PLOT["top"] + plot_h - plot_h * i / 4, 1), "label": f"{top * i / 4:g}"}
        for i in range(5)
    ]
    labels = [
        {"x": round(PLOT["left"] + (c + 0.5) * group_w, 1), "text": category}
        for c, category in enumerate(categories)
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "plot": PLOT | {"width": plot_w, "height": plot_h},
        "bars": bars,
        "ticks": ticks,
        "labels": labels,
        "baseline": PLOT["top"] + plot_h,
    }


def hbar_chart(rows: list[tuple[str, Any]], width: int = 560, label_w: int = 150) -> dict[str, Any]:
    """Horizontal bars (the funnel, the referral flow): one row per (label, value)."""
    row_h = 30
    numbers = [v for _label, v in rows if isinstance(v, int | float)]
    top = max(numbers, default=0) or 1
    plot_w = width - label_w - 60
    bars = []
    for i, (label, value) in enumerate(rows):
        w = plot_w * value / top if isinstance(value, int | float) else 0
        bars.append(
            {
                "y": 6 + i * row_h,
                "label": label,
                "value": value,
                "w": round(w, 1),
                "text_x": round(label_w + w + 6, 1),
            }
        )
    return {"width": width, "height": 12 + row_h * len(rows), "label_w": label_w, "bars": bars}


def target_charts(report: dict[str, Any]) -> list[dict[str, Any]]:
    charts = []
    for row in report["rows"]:
        categories = [
            y["label"] if locale() == "ja" else f"FY{y['fiscal_year']}" for y in row["years"]
        ]
        series = [
            {"name": str(_l("Target")), "values": [y["target"] for y in row["years"]]},
            {
                "name": str(_l("Actual")),
                "values": [
                    y["actual"] if isinstance(y["actual"], int) else None for y in row["years"]
                ],
            },
        ]
        charts.append(
            {"id": f"chart-{row['kpi']}", "title": kpi_label(row), "row": row}
            | bar_chart(categories, series)
        )
    return charts
