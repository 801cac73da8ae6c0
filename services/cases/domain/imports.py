"""Reading an org's existing spreadsheet of cases and consultations (Excel/CSV).

A sheet has one row per consultation (or per case, when it lists none). Rows with
the same 管理番号 (``case_ref``) belong to one case; a row without one is a case of
its own. Headers and values may be Japanese, the way people type them: ``本人/家族``,
``電話``, ``令和3年4月1日``, ``ﾔﾏﾀﾞ``. Validation reports every problem of every row
(row numbers as the spreadsheet shows them) before anything is written; the
import is then all-or-nothing."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from common.clock import JST, as_utc
from common.errors import FieldError
from services.cases.domain.records import contact_problems, not_in_future
from services.cases.domain.vocab import Channel, ContactBy, Gender, Relationship, Stage

MAX_ROWS = 5000
FIRST_DATA_ROW = 2
"""Row 1 is the header, so the first data row is row 2, as Excel numbers it."""

HEADERS: dict[str, tuple[str, ...]] = {
    "case_ref": ("管理番号", "ケース番号", "整理番号", "番号", "ref"),
    "display_name": ("氏名", "名前", "仮名", "name"),
    "kana": ("ふりがな", "フリガナ", "カナ", "よみ", "読み"),
    "anonymous": ("匿名",),
    "birth_year": ("生年", "生まれ年", "生年（西暦）", "生年(西暦)", "birthyear"),
    "gender": ("性別", "sex"),
    "municipality": ("市町村", "市区町村", "住所地", "居住地"),
    "phone": ("電話番号", "電話", "tel"),
    "email": ("メール", "メールアドレス", "mail"),
    "address": ("住所",),
    "stage": ("段階", "ステージ", "支援段階"),
    "opened_at": ("受付日", "開始日", "登録日"),
    "contact_at": ("相談日", "相談日時", "occurred_at"),
    "channel": ("相談方法", "経路", "手段"),
    "by": ("相談者", "相談者区分"),
    "relationship": ("続柄",),
    "minutes": ("時間（分）", "時間(分)", "所要時間", "分"),
    "summary": ("内容", "相談内容", "概要", "メモ"),
}
PERSON_FIELDS = (
    "display_name",
    "kana",
    "anonymous",
    "birth_year",
    "gender",
    "municipality",
    "phone",
    "email",
    "address",
    "stage",
    "opened_at",
)
CONTACT_FIELDS = ("contact_at", "channel", "by", "relationship", "minutes", "summary")
MAX_LENGTHS = {
    "case_ref": 64,
    "display_name": 100,
    "kana": 100,
    "municipality": 100,
    "phone": 30,
    "email": 254,
    "address": 300,
    "summary": 4000,
}

_VALUES: dict[str, dict[str, str]] = {
    "gender": {
        "女": "female", "女性": "female", "f": "female", "female": "female",
        "男": "male", "男性": "male", "m": "male", "male": "male",
        "その他": "other", "other": "other",
        "不明": "unknown", "無回答": "unknown", "unknown": "unknown",
    },
    "channel": {
        "来所": "visit", "面談": "visit", "visit": "visit",
        "電話": "phone", "phone": "phone",
        "line": "line", "ライン": "line",
        "メール": "email", "email": "email", "mail": "email",
        "アウトリーチ": "outreach", "outreach": "outreach",
        "訪問": "home_visit", "家庭訪問": "home_visit", "home_visit": "home_visit",
        "オンライン": "online", "online": "online", "zoom": "online",
    },
    "by": {"本人": "self", "self": "self", "家族": "family", "family": "family"},
    "relationship": {
        "母": "mother", "母親": "mother", "mother": "mother",
        "父": "father", "父親": "father", "father": "father",
        "親": "parent", "両親": "parent", "parent": "parent",
        "兄": "sibling", "姉": "sibling", "弟": "sibling", "妹": "sibling",
        "兄弟": "sibling", "姉妹": "sibling", "きょうだい": "sibling", "sibling": "sibling",
        "配偶者": "spouse", "夫": "spouse", "妻": "spouse", "spouse": "spouse",
        "子": "child", "息子": "child", "娘": "child", "child": "child",
        "祖父": "grandparent", "祖母": "grandparent", "祖父母": "grandparent",
        "grandparent": "grandparent",
        "親族": "relative", "親戚": "relative", "relative": "relative",
        "その他": "other", "other": "other",
    },
    "stage": {
        "受付": "intake", "初回相談": "intake", "インテーク": "intake", "intake": "intake",
        "準備": "preparation", "就労準備": "preparation", "preparation": "preparation",
        "体験": "experience", "職場体験": "experience", "体験就労": "experience",
        "experience": "experience",
        "求職": "job_search", "求職活動": "job_search", "job_search": "job_search",
        "就職": "employed", "就労": "employed", "進路決定": "employed", "employed": "employed",
        "定着": "retention", "定着支援": "retention", "retention": "retention",
        "終結": "closed", "終了": "closed", "closed": "closed",
    },
    "anonymous": {
        "1": "true", "true": "true", "yes": "true", "はい": "true", "○": "true", "〇": "true",
        "匿名": "true",
        "0": "false", "false": "false", "no": "false", "いいえ": "false", "": "false",
    },
}  # fmt: skip
_ENUMS = {"gender": Gender, "channel": Channel, "by": ContactBy, "relationship": Relationship}
_FAMILY_WORDS = {k for k, v in _VALUES["relationship"].items() if v != "other"}
_ERAS = {"令和": 2018, "r": 2018, "平成": 1988, "h": 1988, "昭和": 1925, "s": 1925}
_ERA_DATE = re.compile(
    r"^(令和|平成|昭和|r|h|s)\s*(元|\d{1,2})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?"
    r"(?:\s+(\d{1,2}):(\d{2}))?$"
)
_WESTERN_DATE = re.compile(
    r"^(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
_YEAR = re.compile(r"^(令和|平成|昭和|r|h|s)?\s*(元|\d{1,4})\s*年?$")
_MINUTES = re.compile(r"^(\d{1,4})\s*分?$")


class CellError(ValueError):
    """A cell that cannot be read; ``code`` lets the UI explain it in the user's language."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _norm(value: Any) -> str:
    """NFKC, trimmed and case-folded: what the lookup tables are keyed by."""
    return unicodedata.normalize("NFKC", str(value)).strip().casefold()


def canonical_header(raw: Any) -> str | None:
    key = _norm(raw).replace(" ", "").replace("_", "")
    for name, aliases in HEADERS.items():
        if key == name.replace("_", "") or key in {_norm(a).replace(" ", "") for a in aliases}:
            return name
    return None


def map_headers(raw_headers: Sequence[Any]) -> tuple[dict[int, str], list[FieldError]]:
    """Column index → field; errors for unknown or repeated headers and a missing name."""
    columns: dict[int, str] = {}
    errors: list[FieldError] = []
    for index, raw in enumerate(raw_headers):
        if raw is None or str(raw).strip() == "":
            continue
        name = canonical_header(raw)
        if name is None:
            errors.append(FieldError(f"header.{index + 1}", f"Unknown column {raw!s}", "unknown"))
        elif name in columns.values():
            errors.append(FieldError(f"header.{index + 1}", f"Repeated column {raw!s}", "repeat"))
        else:
            columns[index] = name
    if "display_name" not in columns.values():
        errors.append(FieldError("header", "A name column (氏名) is required", "missing"))
    return columns, errors


def parse_moment(value: Any) -> datetime:
    """A date or date-time as people type it; a date alone is 00:00 JST of that day."""
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, date):
        return as_utc(datetime.combine(value, time(), tzinfo=JST))
    text = _norm(value)
    match = _ERA_DATE.match(text)
    if match:
        era, year, month, day, hour, minute = match.groups()
        gregorian = _ERAS[era] + (1 if year == "元" else int(year))
        return _moment(gregorian, month, day, hour, minute, None)
    match = _WESTERN_DATE.match(text)
    if match:
        return _moment(*match.groups())
    try:
        return as_utc(datetime.fromisoformat(text.upper()))
    except ValueError:
        raise CellError("Not a date (use 2021/4/1 or 令和3年4月1日)", "not_a_date") from None


def _moment(year: Any, month: Any, day: Any, hour: Any, minute: Any, second: Any) -> datetime:
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=JST,
        )
    except ValueError:
        raise CellError("No such date", "no_such_date") from None
    return as_utc(moment)


def parse_year(value: Any) -> int:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value) != int(value):
            raise CellError("Not a year", "not_a_year")
        return int(value)
    match = _YEAR.match(_norm(value))
    if not match:
        raise CellError("Not a year (use 1982 or 昭和57年)", "not_a_year")
    era, year = match.groups()
    number = 1 if year == "元" else int(year)
    return _ERAS[era] + number if era else number


@dataclass
class ParsedRow:
    number: int
    values: dict[str, Any]
    errors: list[FieldError] = field(default_factory=list)

    def error(self, name: str, message: str, code: str = "invalid") -> None:
        self.errors.append(FieldError(name, message, code))


def _cell(raw: Any) -> Any:
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.strip()
        return raw or None
    return raw


def parse_row(number: int, cells: Mapping[str, Any], now: datetime) -> ParsedRow:
    """One sheet row → typed values and this row's own problems."""
    row = ParsedRow(number, {})
    for name in HEADERS:
        raw = _cell(cells.get(name))
        if raw is None:
            continue
        try:
            row.values[name] = _value(name, raw)
        except ValueError as exc:
            row.error(name, str(exc), getattr(exc, "code", "invalid"))
    for name, limit in MAX_LENGTHS.items():
        value = row.values.get(name)
        if isinstance(value, str) and len(value) > limit:
            row.error(name, f"At most {limit} characters", "too_long")
    year = row.values.get("birth_year")
    if year is not None and not 1900 <= year <= now.year:
        row.error("birth_year", f"Must be between 1900 and {now.year}", "range")
    minutes = row.values.get("minutes")
    if minutes is not None and not 0 <= minutes <= 1440:
        row.error("minutes", "Must be between 0 and 1440", "range")
    for name in ("opened_at",):
        row.errors.extend(not_in_future(name, row.values.get(name), now))
    _infer_family(row, cells)
    if any(row.values.get(k) is not None for k in CONTACT_FIELDS):
        for required in ("contact_at", "channel", "by"):
            if row.values.get(required) is None and not _has_error(row, required):
                row.error(required, "A consultation needs its date, channel and who", "missing")
        if row.values.get("contact_at") and row.values.get("by") is not None:
            for problem in contact_problems(
                row.values["by"], row.values.get("relationship"), row.values["contact_at"], now
            ):
                name = "contact_at" if problem.field == "occurred_at" else problem.field
                row.error(name, problem.message, problem.code)
    return row


def _has_error(row: ParsedRow, name: str) -> bool:
    return any(e.field == name for e in row.errors)


def _infer_family(row: ParsedRow, cells: Mapping[str, Any]) -> None:
    """``相談者: 母`` means a family member (the mother) consulted."""
    raw = _cell(cells.get("by"))
    if raw is None or row.values.get("by") is not None:
        return
    key = _norm(raw)
    if key in _FAMILY_WORDS:
        row.errors = [e for e in row.errors if e.field != "by"]
        row.values["by"] = ContactBy.FAMILY
        row.values.setdefault("relationship", Relationship(_VALUES["relationship"][key]))


def _value(name: str, raw: Any) -> Any:
    if name in ("opened_at", "contact_at"):
        return parse_moment(raw)
    if name == "birth_year":
        return parse_year(raw)
    if name == "minutes":
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return int(raw)
        match = _MINUTES.match(_norm(raw))
        if not match:
            raise CellError("Not a number of minutes", "not_minutes")
        return int(match.group(1))
    if name in _VALUES:
        code = _VALUES[name].get(_norm(raw))
        if code is None:
            raise CellError(f"Unknown value {raw!s}", "unknown_value")
        if name == "anonymous":
            return code == "true"
        if name == "stage":
            return Stage(code)
        return _ENUMS[name](code)
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


@dataclass
class CaseDraft:
    """One case the import would create, with the rows it came from."""

    case_ref: str | None
    rows: list[int]
    person: dict[str, Any]
    stage: Stage
    opened_at: datetime | None
    contacts: list[dict[str, Any]]


@dataclass
class Validation:
    total_rows: int
    drafts: list[CaseDraft]
    errors: list[dict[str, Any]]
    """``{row, field, message, code}``; row 1 is the header, None for the whole file."""

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.drafts)

    @property
    def error_rows(self) -> int:
        return len({e["row"] for e in self.errors if e["row"] is not None})

    @property
    def contact_count(self) -> int:
        return sum(len(d.contacts) for d in self.drafts)


def _err(row: int | None, error: FieldError) -> dict[str, Any]:
    return {"row": row, "field": error.field, "message": error.message, "code": error.code}


def validate_sheet(
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    now: datetime,
    existing_refs: Iterable[str] = (),
) -> Validation:
    """Every row's problems, and the cases the import would create."""
    columns, header_errors = map_headers(header)
    errors = [_err(1, e) for e in header_errors]
    taken = set(existing_refs)
    parsed: list[ParsedRow] = []
    total = 0
    for offset, raw in enumerate(rows):
        cells = {columns[i]: v for i, v in enumerate(raw) if i in columns}
        if all(_cell(v) is None for v in cells.values()):
            continue  # blank lines are common at the end of a sheet
        total += 1
        if total > MAX_ROWS:
            errors.append(
                _err(None, FieldError("file", f"At most {MAX_ROWS} rows per import", "too_many"))
            )
            break
        parsed.append(parse_row(FIRST_DATA_ROW + offset, cells, now))
    if not parsed and not errors:
        errors.append(_err(None, FieldError("file", "The sheet has no rows", "empty")))
    drafts = _group(parsed, taken)
    for row in parsed:
        errors.extend(_err(row.number, e) for e in row.errors)
    errors.sort(key=lambda e: (e["row"] is not None, e["row"] or 0))
    return Validation(total_rows=total, drafts=drafts, errors=errors)


def _group(rows: list[ParsedRow], taken: set[str]) -> list[CaseDraft]:
    drafts: list[CaseDraft] = []
    by_ref: dict[str, CaseDraft] = {}
    for row in rows:
        ref = row.values.get("case_ref")
        draft = by_ref.get(ref) if ref else None
        if draft is None:
            if ref and ref in taken:
                row.error("case_ref", "A case with this number was imported before", "duplicate")
            draft = CaseDraft(ref, [], {}, Stage.INTAKE, None, [])
            drafts.append(draft)
            if ref:
                by_ref[ref] = draft
        draft.rows.append(row.number)
        for name in PERSON_FIELDS:
            value = row.values.get(name)
            if value is None:
                continue
            known = draft.person.get(name)
            if known is not None and known != value:
                row.error(name, "Differs from an earlier row of the same case", "conflict")
            else:
                draft.person[name] = value
        if row.values.get("contact_at") is not None:
            draft.contacts.append({k: row.values.get(k) for k in CONTACT_FIELDS})
    for draft in drafts:
        first = draft.rows[0]
        stage = draft.person.pop("stage", None)
        draft.stage = stage or Stage.INTAKE
        opened = draft.person.pop("opened_at", None)
        dates = [c["contact_at"] for c in draft.contacts]
        draft.opened_at = opened or (min(dates) if dates else None)
        row = next(r for r in rows if r.number == first)
        if not draft.person.get("display_name"):
            row.error("display_name", "Each case needs a name (a pseudonym will do)", "missing")
        unreadable_dates = any(
            _has_error(r, "contact_at") or _has_error(r, "opened_at")
            for r in rows
            if r.number in draft.rows
        )
        if draft.opened_at is None and not unreadable_dates:
            row.error("opened_at", "Give the date the case began or of a consultation", "missing")
        elif dates and min(dates) < draft.opened_at:
            row.error("opened_at", "Is after the case's first consultation", "order")
    return drafts
