"""The KPI page lists LINE's re-follows and blocks under LINE friends, with their years and
the plan-period cumulative column, and says what LINE friends count."""

from __future__ import annotations

import re

from flask import Flask

from services.reports.domain.plan import PlanPeriod
from services.reports.domain.report import Counts, kpi_report
from tests.unit.gateway.pages.harness import FakeServices, html, sign_in


def test_line_refollows_and_blocks_sit_under_line_friends(
    app: Flask, services: FakeServices
) -> None:
    staff = sign_in(app, services, role="staff")
    report = kpi_report(
        2020,
        PlanPeriod(2020, 3),
        {
            2020: {
                "line.new_friend": Counts(16, 15),
                "line.refollow": Counts(7, 6),
                "line.block": Counts(9, 8),
            },
            2021: {"line.block": Counts(4, 4)},
        },
        {2020: {"line_friends": 15}},
    )
    services.reports.on(
        "GET",
        "/reports/kpi",
        report | {"scope": "org", "scope_name": "LINE相談窓口", "as_of": None, "suppressed": False},
    )
    page = html(staff.get("/reports/?fiscal_year=2020&scope=org"))
    friends = page.index("LINEの友達ユーザー数</th>")
    refollows = page.index("LINE 再追加（ブロック解除）</th>")
    blocks = page.index("LINE ブロック</th>")
    assert friends < refollows < blocks
    block_row = page[blocks : page.index("</tr>", blocks)]
    # 令和2年度 9, 令和3年度 4, 令和4年度 0, then 累計 13; no targets, no attainment.
    cells = re.findall(r'<td class="n[^"]*">(.*?)</td>', block_row)
    numbers = [c for c in cells if c.isdigit()]
    # then this year's persons and contacts (8 users blocked, 9 times)
    assert numbers == ["9", "4", "0", "13", "8", "9"]
    assert (
        len(cells) == 3 * 4 + 2
    )  # target, actual, attainment × (3 years + 累計); persons, contacts
    assert "LINEの友達ユーザー数は新規友だちを数えます" in page
    assert 'class="beside"' in page
