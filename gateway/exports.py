"""CSV the gateway writes itself (the merged audit log), through the shared writer
(common.exports: UTF-8 with a BOM, JST times, no cell a spreadsheet would run as a formula),
with headers in the user's language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Response

from common.exports import to_csv


def csv_response(filename: str, header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Response:
    return Response(
        to_csv([str(h) for h in header], (list(row) for row in rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
