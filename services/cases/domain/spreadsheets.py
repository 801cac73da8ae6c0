"""Rows out of an uploaded CSV or XLSX file: the header row and the data rows.

CSV files saved by Japanese Excel are often Shift_JIS (cp932) rather than UTF-8;
both are read. Only the first worksheet of a workbook is read."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from typing import Any

from common.errors import FieldError, ValidationFailed

XLSX_MAGIC = b"PK\x03\x04"


def sheet_format(filename: str | None, content: bytes) -> str:
    if content.startswith(XLSX_MAGIC) or (filename or "").lower().endswith(".xlsx"):
        return "xlsx"
    return "csv"


def read_rows(filename: str | None, content: bytes) -> tuple[str, list[Sequence[Any]]]:
    """(format, rows including the header row); 422 for a file that cannot be read."""
    if not content:
        raise ValidationFailed(FieldError("file", "The file is empty", "empty"))
    kind = sheet_format(filename, content)
    rows = _read_xlsx(content) if kind == "xlsx" else _read_csv(content)
    if not rows:
        raise ValidationFailed(FieldError("file", "The file has no rows", "empty"))
    return kind, rows


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed(
        FieldError("file", "The file is neither UTF-8 nor Shift_JIS text", "encoding")
    )


def _read_csv(content: bytes) -> list[Sequence[Any]]:
    text = _decode(content)
    if "\x00" in text:
        raise ValidationFailed(FieldError("file", "Not a CSV file", "format"))
    try:
        return [row for row in csv.reader(io.StringIO(text)) if row]
    except csv.Error as exc:
        raise ValidationFailed(FieldError("file", f"Unreadable CSV: {exc}", "format")) from exc


def _read_xlsx(content: bytes) -> list[Sequence[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ValidationFailed(FieldError("file", "Not a readable XLSX file", "format")) from exc
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
