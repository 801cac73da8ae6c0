from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from services.referrals.ledger_export import COLUMNS, to_csv, to_xlsx

RECORD = {
    "id": "r1",
    "direction": "provided",
    "date": "2026-05-05",
    "counterparty": {"id": "o2", "name": '=HYPERLINK("x")サポステ'},
    "referral_id": "ref1",
    "case_id": "c1",
    "person_key": "p1",
    "data_items": ["attributes", "identity", "sensitive"],
    "basis": "exception",
    "consent_id": None,
    "exception_code": "life_body_property",
    "exception_reason": "自傷の恐れ",
    "obtained_via": None,
    "recorded_at": "2026-05-05T01:00:00+00:00",
    "retain_until": "2029-05-05",
}


def test_the_csv_ledger_is_utf8_with_a_bom_and_japanese_headers() -> None:
    raw = to_csv([RECORD])
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [label for _, label in COLUMNS]
    row = dict(zip([k for k, _ in COLUMNS], rows[1], strict=True))
    assert row["direction"] == "提供（第29条）"
    assert row["data_items"] == "年代・性別、氏名・かな・生年・市町村、要配慮個人情報"
    assert row["exception"] == "人の生命・身体・財産の保護：自傷の恐れ"
    assert row["person"] == "ケースID c1 / 本人キー p1"


def test_text_that_looks_like_a_formula_is_neutralised() -> None:
    rows = list(csv.reader(io.StringIO(to_csv([RECORD]).decode("utf-8-sig"))))
    assert rows[1][3].startswith("'=")


def test_the_xlsx_ledger_opens_with_the_same_rows() -> None:
    book = load_workbook(io.BytesIO(to_xlsx([RECORD, RECORD | {"direction": "received"}])))
    sheet = book.active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == [label for _, label in COLUMNS]
    assert len(values) == 3
    assert values[2][1] == "受領（第30条）"


def test_the_xlsx_ledger_neutralises_formulas_and_times_are_in_jst() -> None:
    sheet = load_workbook(io.BytesIO(to_xlsx([RECORD]))).active
    assert sheet is not None
    row = dict(zip([k for k, _ in COLUMNS], [c.value for c in sheet[2]], strict=True))
    assert row["counterparty_name"] == '\'=HYPERLINK("x")サポステ'
    assert row["recorded_at"] == "2026-05-05 10:00:00"  # 01:00 UTC
    csv_row = list(csv.reader(io.StringIO(to_csv([RECORD]).decode("utf-8-sig"))))[1]
    assert csv_row[[k for k, _ in COLUMNS].index("recorded_at")] == "2026-05-05 10:00:00"
