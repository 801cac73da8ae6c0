"""The one CSV/XLSX writer: a BOM and CRLF for Excel on Japanese Windows, times in JST, and
no text cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from common.exports import jst_text, neutralise, to_csv, to_xlsx

HOSTILE = ["=1+1", "+81-90", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", '=HYPERLINK("x")']


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_starts_like_a_formula_gets_an_apostrophe(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["相談", "1+1", "a=b", "", "'quoted"])
def test_other_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_the_csv_starts_with_a_bom_and_ends_lines_with_crlf() -> None:
    data = to_csv(["氏名", "件数"], [["山田", 3], ["佐藤", 4]])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8")[1:]
    assert text == "氏名,件数\r\n山田,3\r\n佐藤,4\r\n"
    assert "\ufeff" not in text  # once, at the start only


def test_the_csv_neutralises_every_hostile_cell_and_header() -> None:
    rows = _csv_rows(to_csv(["=header"], [[t] for t in HOSTILE]))
    assert rows[0] == ["'=header"]
    assert [r[0] for r in rows[1:]] == ["'" + t for t in HOSTILE]


def test_the_csv_keeps_numbers_as_numbers_and_writes_times_in_jst() -> None:
    moment = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)  # 00:30 on 1 April in Japan
    rows = _csv_rows(to_csv(["a", "b", "c", "d"], [[-5, moment, date(2026, 4, 1), None]]))
    assert rows[1] == ["-5", "2026-04-01 00:30:00", "2026-04-01", ""]


def test_times_given_as_iso_text_are_shown_in_jst_too() -> None:
    assert jst_text("2026-03-31T15:30:00+00:00") == "2026-04-01 00:30:00"
    assert jst_text(None) == ""


def test_the_xlsx_neutralises_text_and_never_holds_a_formula() -> None:
    data = to_xlsx(["=見出し", "数"], [[t, -1] for t in HOSTILE], title="テスト")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert sheet.title == "テスト"
    assert sheet["A1"].value == "'=見出し"
    assert sheet["A1"].font.bold
    cells = [sheet.cell(r, 1) for r in range(2, 2 + len(HOSTILE))]
    # XML keeps a carriage return as a line feed; the apostrophe is what matters.
    assert [c.value for c in cells] == ["'" + t.replace("\r", "\n") for t in HOSTILE]
    assert all(c.data_type == "s" for c in cells)
    assert sheet["B2"].value == -1


def test_the_xlsx_writes_times_as_jst_wall_clock() -> None:
    moment = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)
    sheet = load_workbook(io.BytesIO(to_xlsx(["日時"], [[moment]], title="t"))).active
    assert sheet is not None
    assert sheet["A2"].value == datetime(2026, 4, 1, 0, 30)
    assert sheet["A2"].number_format == "yyyy-mm-dd hh:mm:ss"
