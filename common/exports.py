"""Files people open in Excel: CSV (UTF-8 with a BOM, which Excel on Japanese Windows needs to
read UTF-8, and CRLF lines) and XLSX. Both write times in JST and neutralise text that a
spreadsheet would run as a formula (CSV/formula injection): a text cell that starts with
``= + - @``, a tab or a carriage return gets a leading apostrophe. Numbers stay numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from common.clock import JST

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
JST_TEXT = "%Y-%m-%d %H:%M:%S"
XLSX_TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet shows it and never evaluates it."""
    return "'" + text if text.startswith(FORMULA_START) else text


def in_jst(moment: datetime | str) -> datetime:
    """An aware time (or its ISO text) in JST; a naive one is taken as UTC, as stored."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(JST)


def jst_text(moment: datetime | str | None) -> str:
    """``2026-04-01 09:00:00`` in JST, or "" for no time."""
    return "" if moment is None or moment == "" else in_jst(moment).strftime(JST_TEXT)


def csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        return jst_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def xlsx_cell(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        # Excel has no time zones: the JST wall time, which the headers say.
        return in_jst(value).replace(tzinfo=None)
    if isinstance(value, date):
        return value
    return neutralise(str(value))


def to_csv(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return out.getvalue().encode("utf-8")


def to_xlsx(
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    title: str,
    widths: Sequence[float] = (),
) -> bytes:
    """One sheet: a bold, frozen header row (the words passed in, Japanese first) and the
    rows below it."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]  # Excel's limit for a sheet name
    sheet.append([xlsx_cell(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([xlsx_cell(v) for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, datetime):
                cell.number_format = XLSX_TIME_FORMAT
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
