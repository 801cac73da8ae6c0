from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.cases.domain.imports import canonical_header, parse_moment, parse_year, validate_sheet
from services.cases.domain.vocab import ContactBy, Relationship, Stage

NOW = datetime(2022, 1, 1, tzinfo=UTC)
HEADER = ["管理番号", "氏名", "相談日", "相談方法", "相談者", "続柄", "段階"]


def test_headers_in_japanese_or_english_are_understood() -> None:
    assert canonical_header("氏名") == "display_name"
    assert canonical_header("ﾌﾘｶﾞﾅ") == "kana"
    assert canonical_header(" Display_Name ") == "display_name"
    assert canonical_header("時間(分)") == "minutes"
    assert canonical_header("好きな食べ物") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021/4/1", "2021-03-31T15:00:00+00:00"),
        ("2021-04-01", "2021-03-31T15:00:00+00:00"),
        ("2021年4月1日", "2021-03-31T15:00:00+00:00"),
        ("令和3年4月1日", "2021-03-31T15:00:00+00:00"),
        ("R3.4.1", "2021-03-31T15:00:00+00:00"),
        ("平成31年4月30日", "2019-04-29T15:00:00+00:00"),
        ("令和元年5月1日", "2019-04-30T15:00:00+00:00"),
        ("2021/4/1 14:30", "2021-04-01T05:30:00+00:00"),
        ("２０２１／４／１", "2021-03-31T15:00:00+00:00"),
    ],
)
def test_dates_are_read_as_people_type_them_in_jst(text: str, expected: str) -> None:
    assert parse_moment(text).isoformat() == expected


@pytest.mark.parametrize("text", ["2021/2/30", "昨日", "2021/13/1", "令和3年2月29日"])
def test_impossible_dates_are_errors(text: str) -> None:
    with pytest.raises(ValueError, match=r"date"):
        parse_moment(text)


def test_years_by_era_or_number() -> None:
    assert [parse_year(v) for v in ("1982", "昭和57年", "S57", 1982, "1982年")] == [1982] * 5


def test_rows_of_one_case_number_form_one_case() -> None:
    result = validate_sheet(
        HEADER,
        [
            ["A", "山田", "2021/4/1", "電話", "母", "", "受付"],
            ["A", "", "2021/4/8", "来所", "本人", "", ""],
            ["", "佐藤", "2021/5/1", "LINE", "家族", "父", "準備"],
        ],
        now=NOW,
    )
    assert result.errors == []
    first, second = result.drafts
    assert first.rows == [2, 3]
    assert [c["by"] for c in first.contacts] == [ContactBy.FAMILY, ContactBy.SELF]
    assert first.contacts[0]["relationship"] is Relationship.MOTHER
    assert second.stage is Stage.PREPARATION
    assert second.contacts[0]["relationship"] is Relationship.FATHER


def test_every_problem_of_every_row_is_reported_with_its_row_number() -> None:
    result = validate_sheet(
        HEADER,
        [
            ["A", "山田", "2021/4/1", "電話", "本人", "母", ""],
            ["A", "田中", "2021/4/2", "鳩", "", "", "宇宙"],
            ["", "", "", "", "", "", ""],
            ["B", "", "2099/1/1", "電話", "本人", "", ""],
        ],
        now=NOW,
        existing_refs=["B"],
    )
    found = {(e["row"], e["field"], e["code"]) for e in result.errors}
    assert (2, "relationship", "not_family") in found
    assert (3, "display_name", "conflict") in found
    assert (3, "channel", "unknown_value") in found
    assert (3, "stage", "unknown_value") in found
    assert (3, "by", "missing") in found
    assert (5, "case_ref", "duplicate") in found
    assert (5, "display_name", "missing") in found
    assert (5, "contact_at", "in_future") in found
    assert not result.ok


def test_a_sheet_without_a_name_column_is_refused_at_the_header() -> None:
    result = validate_sheet(["相談日"], [["2021/4/1"]], now=NOW)
    assert result.errors[0]["row"] == 1
    assert result.errors[0]["field"] == "header"
