"""Rows out of an uploaded CSV or XLSX file, within limits.

A web request only *inspects* an upload (size, kind, the workbook's container: no XML bomb,
no document type declarations); the cases worker *reads* it, lazily, and stops at the row
limit — a 200,000-row sheet costs the first 5,001 rows, never the whole file.

CSV files saved by Japanese Excel are often Shift_JIS (cp932) rather than UTF-8; both are
read. Only the first worksheet of a workbook is read, and only its first columns. XLSX is
parsed by openpyxl, which uses defusedxml (a pinned dependency) when it is installed:
entity declarations and external entities are refused by the parser itself."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Generator, Iterator, Sequence
from typing import Any
from xml.etree.ElementTree import ParseError

from common.errors import FieldError, ValidationFailed

XLSX_MAGIC = b"PK\x03\x04"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
"""An upload larger than this is refused before it is read (413)."""
MAX_COLUMNS = 64
"""Columns read from each row: a sheet has ~18 known ones; the rest is never parsed."""
MAX_SHEET_ROWS = 50_000
"""Rows (blank ones included) read before a sheet is refused as too long, whatever the
row limit of an import: formatting down to row 1,048,576 must not cost a worker minutes."""
MAX_ZIP_ENTRIES = 1_000
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
"""What the parts of a workbook may add up to once inflated (a 5,000-row sheet with long
notes is ~20 MB)."""
MAX_COMPRESSION_RATIO = 200
"""Excel's XML compresses ~5–30×; a part inflating 200× more than it weighs is a zip bomb."""
_PROLOG_BYTES = 4096
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def sheet_format(filename: str | None, content: bytes) -> str:
    if content.startswith(XLSX_MAGIC) or (filename or "").lower().endswith(".xlsx"):
        return "xlsx"
    return "csv"


def _refuse(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(FieldError("file", message, code))


def inspect_upload(filename: str | None, content: bytes) -> str:
    """The format of an upload, after the checks cheap enough for a web request: not empty,
    not too large, and for a workbook a sound container. 422 otherwise."""
    if not content:
        raise _refuse("The file is empty", "empty")
    if len(content) > MAX_UPLOAD_BYTES:
        raise _refuse(f"At most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB per import", "too_large")
    kind = sheet_format(filename, content)
    if kind == "xlsx":
        _inspect_xlsx(content)
    elif b"\x00" in content[:_PROLOG_BYTES]:
        raise _refuse("Not a CSV file", "format")
    return kind


def _inspect_xlsx(content: bytes) -> None:
    """Reads the zip directory and each XML part's first bytes only."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _refuse("Not a readable XLSX file", "format") from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise _refuse("Not a readable XLSX file", "format")
        if "xl/workbook.xml" not in {e.filename for e in entries}:
            raise _refuse("Not a readable XLSX file", "format")
        if sum(e.file_size for e in entries) > MAX_UNCOMPRESSED_BYTES:
            raise _refuse("The workbook is too large once unpacked", "too_large")
        for entry in entries:
            if entry.file_size > MAX_COMPRESSION_RATIO * max(entry.compress_size, 1) + 65536:
                raise _refuse("The workbook is not a plain Excel file", "unsafe")
            if entry.filename.endswith((".xml", ".rels", ".vml")):
                try:
                    with archive.open(entry) as part:
                        prolog = part.read(_PROLOG_BYTES)
                except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as exc:
                    raise _refuse("Not a readable XLSX file", "format") from exc
                # Excel never writes a DTD; one is how entity bombs and external entities
                # (XXE) come in. UTF-16 parts slip past this look and meet defusedxml.
                if _DECLARATION.search(prolog):
                    raise _refuse("The workbook is not a plain Excel file", "unsafe")


def open_rows(filename: str | None, content: bytes) -> tuple[str, Generator[Sequence[Any]]]:
    """(format, the rows — header first — read lazily): stop iterating and nothing more is
    parsed. Problems of the file surface as ValidationFailed while iterating."""
    kind = inspect_upload(filename, content)
    rows = _xlsx_rows(content) if kind == "xlsx" else _csv_rows(content)
    return kind, _limited(rows)


def _limited(rows: Iterator[Sequence[Any]]) -> Generator[Sequence[Any]]:
    for count, row in enumerate(rows, start=1):
        if count > MAX_SHEET_ROWS:
            raise _refuse(f"The sheet is longer than {MAX_SHEET_ROWS} rows", "too_many")
        yield row


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refuse("The file is neither UTF-8 nor Shift_JIS text", "encoding")


def _csv_rows(content: bytes) -> Iterator[Sequence[Any]]:
    text = _decode(content)
    if "\x00" in text:
        raise _refuse("Not a CSV file", "format")
    try:
        for row in csv.reader(io.StringIO(text)):
            if row:
                yield row[:MAX_COLUMNS]
    except csv.Error as exc:
        raise _refuse(f"Unreadable CSV: {exc}", "format") from exc


def _first_sheet(content: bytes) -> Any:
    """The first worksheet, read-only, without openpyxl's size scan: it looks for the
    ``<dimension>`` element with end events only, so a sheet without one (nothing forces a
    generator to write it) would be parsed whole before the first row is read."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class LazySheet(ReadOnlyWorksheet):
        def _get_size(self) -> None:
            """Sizes stay unknown; rows are read as they come and we stop when we like."""

    reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=True, keep_links=False)
    reader.read_manifest()
    reader.read_strings()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)  # number formats: which numbers are dates
    for sheet, rel in reader.parser.find_sheets():
        if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
            lazy = LazySheet(reader.wb, sheet.name, rel.target, reader.shared_strings)
            return reader.archive, lazy
    return reader.archive, None


def _xlsx_rows(content: bytes) -> Iterator[Sequence[Any]]:
    from defusedxml import DefusedXmlException

    unreadable = (zipfile.BadZipFile, KeyError, ValueError, OSError, ParseError, EOFError)
    try:
        archive, sheet = _first_sheet(content)
    except DefusedXmlException as exc:
        raise _refuse("The workbook is not a plain Excel file", "unsafe") from exc
    except unreadable as exc:
        raise _refuse("Not a readable XLSX file", "format") from exc
    try:
        if sheet is None:
            return
        for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            yield list(row)
    except DefusedXmlException as exc:
        raise _refuse("The workbook is not a plain Excel file", "unsafe") from exc
    except unreadable as exc:
        raise _refuse("Not a readable XLSX file", "format") from exc
    finally:
        archive.close()
