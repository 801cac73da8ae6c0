"""The CSV and XLSX renderings of a KPI table."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from services.reports.domain.plan import PlanPeriod
from services.reports.domain.report import Counts, kpi_report
from services.reports.domain.suppression import suppress_kpi_report
from services.reports.exports import kpi_csv, kpi_xlsx


def _report(suppressed: bool = False) -> dict:
    raw = kpi_report(
        2020,
        PlanPeriod(2020, 3),
        {
            2020: {
                "consultation": Counts(759, 512),
                "line.new_friend": Counts(3, 3),
                "line.refollow": Counts(2, 2),
                "line.block": Counts(6, 4),
            }
        },
        {2020: {"consulted_persons": 30, "line_friends": 15}},
    )
    report = suppress_kpi_report(raw, 5) if suppressed else raw
    return report | {
        "scope": "consortium" if suppressed else "org",
        "scope_name": "テスト",
        "as_of": None,
    }


def test_the_csv_is_utf8_with_a_bom_and_crlf_lines() -> None:
    data = kpi_csv(_report())
    assert data[:3] == b"\xef\xbb\xbf"
    text = data[3:].decode("utf-8")
    assert text.endswith("\r\n")
    assert text.splitlines()[1].startswith(
        "相談窓口（家族による相談含む）人数,consulted_persons,30,512,1706.7%"
    )


def test_the_csv_speaks_english_on_request() -> None:
    header = kpi_csv(_report(), "en").decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Indicator,KPI code,FY2020 Target,FY2020 Actual,FY2020 Attainment")


def test_a_suppressed_xlsx_shows_less_than_five_and_says_why() -> None:
    wb = load_workbook(io.BytesIO(kpi_xlsx(_report(suppressed=True))))
    ws = wb["KPI"]
    assert ws["A9"].value == "LINEの友達ユーザー数"
    assert (ws["B9"].value, ws["C9"].value, ws["D9"].value) == (15, "<5", None)
    assert "<5" in ws["A3"].value
    assert ws["A2"].value.startswith("テスト")
    breakdown = wb["内訳"]
    assert breakdown["A3"].value == "項目"
    assert breakdown["B4"].value == 512


def test_line_refollows_and_blocks_follow_the_line_friends_row_in_both_files() -> None:
    lines = kpi_csv(_report()).decode("utf-8-sig").splitlines()
    codes = [line.split(",")[1] for line in lines[1:]]
    assert codes[3:6] == ["line_friends", "line_refollows", "line_blocks"]
    blocks = lines[6].split(",")
    assert blocks[:5] == ["LINE ブロック", "line_blocks", "", "6", ""]
    wb = load_workbook(io.BytesIO(kpi_xlsx(_report())))
    ws = wb["KPI"]
    assert [ws.cell(r, 1).value for r in (9, 10, 11)] == [
        "LINEの友達ユーザー数",
        "LINE 再追加（ブロック解除）",
        "LINE ブロック",
    ]
    assert (ws["C10"].value, ws["L10"].value) == (2, 2)  # this year's and the cumulative
