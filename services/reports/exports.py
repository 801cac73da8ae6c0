"""The KPI table as files the prefecture takes: CSV (common.exports: UTF-8 with a BOM, so that
Excel on Japanese Windows reads it) and XLSX laid out like the programme's table — KPI rows, per
fiscal year the target, actual and attainment, then the plan-period cumulative column."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from common.exports import jst_text, to_csv, to_xlsx, xlsx_cell
from services.reports.domain.report import table_rows

WORDS = {
    "ja": {
        "indicator": "指標",
        "code": "KPIコード",
        "target": "目標",
        "actual": "実績",
        "attainment": "達成率",
        "cumulative": "累計",
        "plan": "計画期間",
        "persons": "実人数",
        "contacts": "延べ",
        "title": "KPI 目標・実績",
        "consortium": "コンソーシアム全体",
        "as_of": "集計時点",
        "suppressed": "5未満の値は「<5」と表示しています（小さな数の秘匿）。",
        "breakdown": "内訳",
        "item": "項目",
        "snapshot": "確定版",
    },
    "en": {
        "indicator": "Indicator",
        "code": "KPI code",
        "target": "Target",
        "actual": "Actual",
        "attainment": "Attainment",
        "cumulative": "Cumulative",
        "plan": "Plan period",
        "persons": "Persons",
        "contacts": "Contacts",
        "title": "KPI targets and actuals",
        "consortium": "Whole consortium",
        "as_of": "As of",
        "suppressed": "Counts below 5 are shown as '<5' (small-cell suppression).",
        "breakdown": "Breakdown",
        "item": "Item",
        "snapshot": "Frozen version",
    },
}


def _words(lang: str) -> dict[str, str]:
    return WORDS["en" if lang == "en" else "ja"]


def _label(obj: dict[str, Any], lang: str) -> str:
    return str(obj.get("label_en") if lang == "en" and obj.get("label_en") else obj["label"])


def _year_label(year: dict[str, Any], lang: str) -> str:
    return f"FY{year['fiscal_year']}" if lang == "en" else str(year["label"])


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _blank(value: Any) -> Any:
    return "" if value is None else value


def kpi_csv(report: dict[str, Any], lang: str = "ja") -> bytes:
    w = _words(lang)
    plan_years = report["plan"]["fiscal_years"]
    header = [w["indicator"], w["code"]]
    for year in plan_years:
        label = _year_label(year, lang)
        header += [f"{label} {w['target']}", f"{label} {w['actual']}", f"{label} {w['attainment']}"]
    header += [f"{w['cumulative']} {w['target']}", f"{w['cumulative']} {w['actual']}"]
    header += [f"{w['cumulative']} {w['attainment']}"]
    this_year = _year_label(report, lang)
    header += [f"{this_year} {w['persons']}", f"{this_year} {w['contacts']}"]
    lines = []
    for row in table_rows(report["rows"]):
        line = [_label(row, lang), row["kpi"]]
        for year in row["years"]:
            line += [_blank(year["target"]), year["actual"], _percent(year["attainment"])]
        cumulative = row["cumulative"]
        line += [_blank(cumulative["target"]), cumulative["actual"]]
        line += [_percent(cumulative["attainment"]), row["persons"], row["contacts"]]
        lines.append(line)
    return to_csv(header, lines)


_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD = PatternFill("solid", fgColor="DDEBF7")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

FIRST_ROW = 6
"""Row of the first KPI in the XLSX: title (1), scope (2), notes (3), headings (4–5)."""


def kpi_xlsx(report: dict[str, Any], lang: str = "ja") -> bytes:
    """Sheet 1 "KPI": A = indicator; per plan year three columns (target, actual,
    attainment) under a merged 令和N年度 heading; then the cumulative column likewise."""
    w = _words(lang)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "KPI"
    plan = report["plan"]
    ws["A1"] = f"{w['title']}（{w['plan']} {plan['label']}）"
    ws["A1"].font = Font(bold=True, size=14)
    scope_name = report.get("scope_name") or (
        w["consortium"] if report["scope"] == "consortium" else ""
    )
    as_of = report.get("as_of") or ""
    ws["A2"] = xlsx_cell(f"{scope_name}　{w['as_of']}: {jst_text(as_of)}")
    notes = []
    if report.get("suppressed"):
        notes.append(w["suppressed"])
    if report.get("frozen"):
        frozen = report["frozen"]
        notes.append(f"{w['snapshot']} v{frozen['version']} ({frozen['frozen_at'][:10]})")
    ws["A3"] = " ".join(notes)

    ws.cell(4, 1, w["indicator"])
    ws.merge_cells(start_row=4, start_column=1, end_row=5, end_column=1)
    groups = [_year_label(y, lang) for y in plan["fiscal_years"]] + [w["cumulative"]]
    for i, heading in enumerate(groups):
        col = 2 + 3 * i
        ws.cell(4, col, heading)
        ws.merge_cells(start_row=4, start_column=col, end_row=4, end_column=col + 2)
        for j, word in enumerate((w["target"], w["actual"], w["attainment"])):
            ws.cell(5, col + j, word)
    last_col = 1 + 3 * len(groups)
    for r in (4, 5):
        for c in range(1, last_col + 1):
            cell = ws.cell(r, c)
            cell.font = Font(bold=True)
            cell.fill = _HEAD
            cell.alignment = _CENTER
            cell.border = _BOX

    for n, row in enumerate(table_rows(report["rows"])):
        r = FIRST_ROW + n
        ws.cell(r, 1, xlsx_cell(_label(row, lang))).border = _BOX
        figures = [*row["years"], row["cumulative"]]
        for i, figure in enumerate(figures):
            col = 2 + 3 * i
            ws.cell(r, col, figure["target"])
            ws.cell(r, col + 1, figure["actual"])
            ws.cell(r, col + 2, figure["attainment"]).number_format = "0.0%"
            for c in range(col, col + 3):
                ws.cell(r, c).border = _BOX
                ws.cell(r, c).alignment = Alignment(horizontal="right")
    ws.column_dimensions["A"].width = 40
    for c in range(2, last_col + 1):
        ws.column_dimensions[get_column_letter(c)].width = 11
    ws.freeze_panes = ws.cell(FIRST_ROW, 2)
    _breakdown_sheet(wb, report, lang)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _breakdown_sheet(wb: Workbook, report: dict[str, Any], lang: str) -> None:
    """Sheet 2: the year's persons and contacts side by side, and each KPI's breakdown."""
    w = _words(lang)
    ws = wb.create_sheet(w["breakdown"])
    ws["A1"] = f"{_year_label(report, lang)} {w['breakdown']}"
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    ws.append([w["item"], w["persons"], w["contacts"]])
    for c in range(1, 4):
        ws.cell(3, c).font = Font(bold=True)
        ws.cell(3, c).fill = _HEAD
    for row in table_rows(report["rows"]):
        ws.append([xlsx_cell(_label(row, lang)), row["persons"], row["contacts"]])
        for part in row.get("breakdown") or ():
            ws.append([xlsx_cell(f"　└ {_label(part, lang)}"), part["persons"], part["contacts"]])
    ws.column_dimensions["A"].width = 44
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 12


# --- the allowance (手当) ledger ---------------------------------------------------------

ALLOWANCE_WORDS = {
    "ja": {
        "year": "年度",
        "line": "区分",
        "org": "団体",
        "person": "本人キー",
        "payments": "件数",
        "days": "日数",
        "work_experience": "体験就労 手当（円）",
        "country_work": "カントリーワーク 手当（円）",
        "total": "手当合計（円）",
        "persons": "実人数",
        "as_person": "本人",
        "as_member": "団体計",
        "as_total": "合計",
        "sheet": "手当台帳",
    },
    "en": {
        "year": "Fiscal year",
        "line": "Line",
        "org": "Organization",
        "person": "Person key",
        "payments": "Payments",
        "days": "Days",
        "work_experience": "Work experience allowance (yen)",
        "country_work": "Country work allowance (yen)",
        "total": "Allowance total (yen)",
        "persons": "Persons",
        "as_person": "Person",
        "as_member": "Member total",
        "as_total": "Total",
        "sheet": "Allowance ledger",
    },
}


def _allowance_table(report: dict[str, Any], lang: str) -> tuple[list[str], list[list[Any]]]:
    """One table: a line per (member, person), then each member's total, then the total;
    ``区分`` says which, so a spreadsheet can filter the person lines."""
    w = ALLOWANCE_WORDS["en" if lang == "en" else "ja"]
    kinds = report["paid_types"]
    header = [w["year"], w["line"], w["org"], w["person"], w["persons"], w["payments"], w["days"]]
    header += [w[k] for k in kinds] + [w["total"]]
    year = _year_label(report, lang)

    def figures(line: dict[str, Any]) -> list[Any]:
        by_type = line["by_type"]
        return [
            line["payments"],
            line["days"],
            *(by_type.get(k, 0) for k in kinds),
            line["allowance_yen"],
        ]

    rows: list[list[Any]] = []
    for line in report["persons"]:
        rows.append([year, w["as_person"], line["org_name"], line["person_key"], 1, *figures(line)])
    for line in report["members"]:
        rows.append([year, w["as_member"], line["org_name"], "", line["persons"], *figures(line)])
    total = report["total"]
    scope_name = report.get("scope_name") or ""
    rows.append([year, w["as_total"], scope_name, "", total["persons"], *figures(total)])
    return header, rows


def allowances_csv(report: dict[str, Any], lang: str = "ja") -> bytes:
    header, rows = _allowance_table(report, lang)
    return to_csv(header, rows)


def allowances_xlsx(report: dict[str, Any], lang: str = "ja") -> bytes:
    header, rows = _allowance_table(report, lang)
    words = ALLOWANCE_WORDS["en" if lang == "en" else "ja"]
    widths = (12, 10, 30, 38, 8, 8, 8) + (16,) * (len(header) - 7)
    return to_xlsx(header, rows, title=words["sheet"], widths=widths)


# --- member tables -----------------------------------------------------------------------

MEMBER_WORDS = {
    "ja": {
        "year": "年度",
        "org": "団体",
        "starts_on": "加入日",
        "status": "区分",
        "member": "通年",
        "partial": "年度途中から",
        "before": "加入前",
        "sheet": "団体別",
    },
    "en": {
        "year": "Fiscal year",
        "org": "Member",
        "starts_on": "Member since",
        "status": "Membership",
        "member": "Whole year",
        "partial": "From its start",
        "before": "Not yet a member",
        "sheet": "Members",
    },
}


def _member_table(report: dict[str, Any], lang: str) -> tuple[list[str], list[list[Any]]]:
    """A line per (fiscal year of the plan, member): its figures from its start; a year
    before it joined has no figures."""
    w = MEMBER_WORDS["en" if lang == "en" else "ja"]
    kpis = report["kpis"]
    header = [w["year"], w["org"], w["starts_on"], w["status"]] + [_label(k, lang) for k in kpis]
    rows: list[list[Any]] = []
    for index, year in enumerate(report["plan"]["fiscal_years"]):
        for member in report["members"]:
            cell = member["years"][index]
            figures = cell["figures"] or {}
            rows.append(
                [
                    _year_label(year, lang),
                    member["name"],
                    member["starts_on"] or "",
                    w[cell["status"]],
                    *(figures.get(k["kpi"], "") for k in kpis),
                ]
            )
    return header, rows


def members_csv(report: dict[str, Any], lang: str = "ja") -> bytes:
    header, rows = _member_table(report, lang)
    return to_csv(header, rows)


def members_xlsx(report: dict[str, Any], lang: str = "ja") -> bytes:
    header, rows = _member_table(report, lang)
    words = MEMBER_WORDS["en" if lang == "en" else "ja"]
    widths = (12, 30, 12, 12) + (18,) * (len(header) - 4)
    return to_xlsx(header, rows, title=words["sheet"], widths=widths)


# --- the ladder -------------------------------------------------------------------------

LADDER_WORDS = {
    "ja": {
        "year": "年度",
        "rung": "段階",
        "persons": "到達した実人数",
        "moved_on": "次へ進んだ人数",
        "median_days": "段階の日数（中央値）",
        "still_here": "留まっている人数",
        "median_days_so_far": "現在までの日数（中央値）",
        "sheet": "支援の段階",
    },
    "en": {
        "year": "Fiscal year",
        "rung": "Rung",
        "persons": "Persons reaching it",
        "moved_on": "Moved on",
        "median_days": "Median days on the rung",
        "still_here": "Still on it",
        "median_days_so_far": "Median days so far",
        "sheet": "Ladder",
    },
}
LADDER_FIELDS = ("persons", "moved_on", "median_days", "still_here", "median_days_so_far")


def _ladder_table(report: dict[str, Any], lang: str) -> tuple[list[str], list[list[Any]]]:
    w = LADDER_WORDS["en" if lang == "en" else "ja"]
    header = [w["year"], w["rung"], *(w[f] for f in LADDER_FIELDS)]
    year = _year_label(report, lang)
    rows = [[year, _label(r, lang), *(r[f] for f in LADDER_FIELDS)] for r in report["rungs"]]
    return header, rows


def ladder_csv(report: dict[str, Any], lang: str = "ja") -> bytes:
    header, rows = _ladder_table(report, lang)
    return to_csv(header, rows)


def ladder_xlsx(report: dict[str, Any], lang: str = "ja") -> bytes:
    header, rows = _ladder_table(report, lang)
    words = LADDER_WORDS["en" if lang == "en" else "ja"]
    return to_xlsx(header, rows, title=words["sheet"], widths=(12, 18, 16, 16, 20, 16, 22))
