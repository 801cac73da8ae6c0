"""The KPI page shows the ladder 相談 → … → 定着 as a chart with its table: persons reaching
each rung and the median days on it, hidden cells as the consortium view gives them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask

from services.reports.domain.ladder import ladder
from services.reports.domain.plan import PlanPeriod
from services.reports.domain.report import kpi_report
from tests.unit.gateway.pages.harness import FakeServices, html, sign_in, visible_text


def _kpi(scope: str) -> dict[str, object]:
    report = kpi_report(2020, PlanPeriod(2020, 3), {}, {})
    return report | {
        "scope": scope,
        "scope_name": "NPOサポステ",
        "as_of": None,
        "suppressed": False,
    }


def test_the_ladder_chart_and_table(app: Flask, services: FakeServices) -> None:
    staff = sign_in(app, services, role="staff")
    at = datetime(2020, 5, 1, 3, tzinfo=UTC)
    reached = {
        "a": {"consultation": at, "workplace_tour": at.replace(day=11)},
        "b": {"consultation": at, "job_search": at.replace(day=21)},
    }
    rungs = ladder(reached, 2020, at.replace(month=6))
    services.reports.on("GET", "/reports/kpi", _kpi("org"))
    services.reports.on("GET", "/reports/ladder", {"fiscal_year": 2020, "rungs": rungs})
    response = staff.get("/reports/?fiscal_year=2020&scope=org")
    assert response.status_code == 200
    page = html(response)
    text = visible_text(response)
    assert "支援の段階（相談から定着まで）と各段階の日数" in text
    assert 'aria-labelledby="ladder-title ladder-desc"' in page
    section = page[page.index('id="h-ladder"') :]
    section = section[: section.index("</section>")]
    names = re.findall(r'<th scope="row">(.*?)</th>', section)
    assert names == [
        "相談",
        "職場見学",
        "カントリーワーク",
        "体験就労",
        "求職活動",
        "進路決定",
        "定着",
    ]
    first = section[section.index("相談</th>") :]
    cells = re.findall(r'<td class="n">(.*?)</td>', first[: first.index("</tr>")])
    # 2 persons, both moved on, median 15 days, none still there.
    assert cells[:4] == ["2", "2", "15日", "0"]
    assert "/api/v1/reports/ladder.csv?fiscal_year=2020&amp;scope=org&amp;lang=ja" in section
    assert "Median" not in text
    assert "days" not in text


def test_hidden_cells_in_the_consortium_ladder(app: Flask, services: FakeServices) -> None:
    staff = sign_in(app, services, role="staff", kind="prefectural_center")
    rungs = [
        {
            "rung": "consultation",
            "label": "相談",
            "label_en": "Consultation",
            "persons": "<5",
            "moved_on": "<5",
            "still_here": 0,
            "median_days": None,
            "median_days_so_far": None,
        }
    ]
    services.reports.on("GET", "/reports/kpi", _kpi("consortium") | {"suppressed": True})
    services.reports.on("GET", "/reports/ladder", {"fiscal_year": 2020, "rungs": rungs})
    page = html(staff.get("/reports/?fiscal_year=2020&scope=consortium"))
    section = page[page.index('id="h-ladder"') :]
    assert "&lt;5</abbr>" in section


def test_a_ladder_that_fails_leaves_the_page_standing(app: Flask, services: FakeServices) -> None:
    staff = sign_in(app, services, role="staff")
    services.reports.on("GET", "/reports/kpi", _kpi("org"))
    services.reports.on("GET", "/reports/ladder", {"title": "x"}, status=500)
    response = staff.get("/reports/?fiscal_year=2020&scope=org")
    assert response.status_code == 200
    assert 'id="h-ladder"' not in html(response)
