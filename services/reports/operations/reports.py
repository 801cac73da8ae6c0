"""Reading reports: the KPI table, the funnel, figures by month, the referral flow, and
the data behind each chart."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from common.clock import utcnow
from common.fiscal import fiscal_year_label
from common.principal import Principal
from services.reports import queries
from services.reports.domain.access import Scope, readable_scope
from services.reports.domain.diff import report_diff
from services.reports.domain.funnel import funnel as funnel_stages
from services.reports.domain.kpi import KPIS
from services.reports.domain.ladder import first_dates, ladder
from services.reports.domain.referrals import COUNTED, flow
from services.reports.domain.suppression import (
    complete,
    is_hidden,
    suppress_months,
    suppress_rows,
)
from services.reports.operations.common import shown
from services.reports.schemas import ReportQuery, ScopeQuery


def scope_of(principal: Principal, query: ScopeQuery) -> Scope:
    return readable_scope(principal, query.scope, query.requested)


def _head(scope: Scope, year: int) -> dict[str, Any]:
    return {
        "fiscal_year": year,
        "label": fiscal_year_label(year),
        "label_en": fiscal_year_label(year, "en"),
        "scope": scope.kind.value,
        "scope_id": str(scope.id),
        "suppressed": scope.aggregates_only,
    }


def kpi(
    session: Session, principal: Principal, query: ReportQuery, threshold: int
) -> dict[str, Any]:
    scope = scope_of(principal, query)
    raw = queries.raw_kpi_report(session, scope, query.fiscal_year)
    snapshot = queries.latest_snapshot(session, scope, query.fiscal_year)
    if snapshot is not None:
        raw["snapshot"] = {
            "id": str(snapshot.id),
            "version": snapshot.version,
            "frozen_at": snapshot.frozen_at.isoformat(),
            "changed": bool(report_diff(queries.snapshot_content(snapshot), raw)),
        }
    return shown(raw, scope, threshold)


def funnel(
    session: Session, principal: Principal, query: ReportQuery, threshold: int
) -> dict[str, Any]:
    scope = scope_of(principal, query)
    year = queries.year_tallies(session, scope, [query.fiscal_year]).get(query.fiscal_year, {})
    stages = funnel_stages(year)
    if scope.aggregates_only:
        stages = suppress_rows(
            stages,
            ("persons", "previous_persons"),
            {
                "rate_from_previous": ("persons", "previous_persons"),
                "rate_from_first": ("persons",),
            },
            threshold,
        )
        if stages and is_hidden(stages[0]["persons"]):
            for stage in stages:
                stage["rate_from_first"] = None
    return _head(scope, query.fiscal_year) | {"stages": stages}


def ladder_report(
    session: Session, principal: Principal, query: ReportQuery, threshold: int
) -> dict[str, Any]:
    """The ladder (相談 → … → 定着): persons first reaching each rung in the year and the
    median days they spent on it (docs/reports.md, "The ladder")."""
    scope = scope_of(principal, query)
    reached = first_dates(queries.ladder_dates(session, scope, query.fiscal_year))
    rungs = ladder(reached, query.fiscal_year, utcnow())
    if scope.aggregates_only:
        rungs = suppress_rows(
            rungs,
            ("persons", "moved_on", "still_here"),
            {"median_days": ("moved_on",), "median_days_so_far": ("still_here",)},
            threshold,
        )
        for rung in rungs:  # persons = moved on + still here: one hidden hides the other
            moved, still = rung["moved_on"], rung["still_here"]
            if is_hidden(moved) != is_hidden(still):
                other = "still_here" if is_hidden(moved) else "moved_on"
                if rung[other] != 0:
                    rung[other] = "x"
                    rung["median_days" if other == "moved_on" else "median_days_so_far"] = None
    return _head(scope, query.fiscal_year) | {"rungs": rungs}


def _calendar(year: int, period: int) -> tuple[int, int]:
    month = (period + 2) % 12 + 1
    return (year if month >= 4 else year + 1), month


def monthly(
    session: Session, principal: Principal, query: ReportQuery, threshold: int
) -> dict[str, Any]:
    """Per KPI, each month of the fiscal year (April first): the month's persons (実人数),
    persons new in the year, contacts (延べ) and the running total of the KPI."""
    scope = scope_of(principal, query)
    months = queries.month_tallies(session, scope, query.fiscal_year)
    rows = []
    for code, defn in KPIS.items():
        running = 0
        out = []
        for period in range(1, 13):
            events, persons, new_persons = months.get(period, {}).get(defn.measure, (0, 0, 0))
            by_persons = defn.counts == "persons"
            running += new_persons if by_persons else events
            year, month = _calendar(query.fiscal_year, period)
            out.append(
                {
                    "period": period,
                    "month": f"{year}-{month:02d}",
                    "label": f"{month}月",
                    "label_en": f"{year}-{month:02d}",
                    "actual": persons if by_persons else events,
                    "persons": persons,
                    "new_persons": new_persons,
                    "contacts": events,
                    "cumulative": running,
                }
            )
        if scope.aggregates_only:
            additive = ("new_persons", "contacts") if by_persons else ("contacts",)
            out = suppress_months(out, additive, threshold)
        rows.append(
            {
                "kpi": code.value,
                "label": defn.label,
                "label_en": defn.label_en,
                "counts": defn.counts,
                "months": out,
            }
        )
    return _head(scope, query.fiscal_year) | {"rows": rows}


def referral_flow(
    session: Session, principal: Principal, query: ReportQuery, threshold: int
) -> dict[str, Any]:
    """Referrals sent in the year, per (sender, receiver): how many reached each status and
    the median hours from sending to acceptance. An org sees the edges it is on."""
    scope = scope_of(principal, query)
    result = flow(queries.referrals_for(session, scope, query.fiscal_year))
    org_ids = {r for e in result["edges"] for r in (e["from_org_id"], e["to_org_id"])}
    names = queries.org_names(session, (uuid.UUID(o) for o in org_ids))
    for edge in result["edges"]:
        for side in ("from", "to"):
            entry = names.get(uuid.UUID(edge[f"{side}_org_id"]))
            edge[f"{side}_org_name"] = entry[0] if entry else None
    edges, total = result["edges"], result["total"]
    if scope.aggregates_only:
        dependent = {"median_hours_to_acceptance": ("accepted",)}
        edges = suppress_rows(edges, COUNTED, dependent, threshold)
        total = suppress_rows([total], COUNTED, dependent, threshold)[0]
        for status in COUNTED:  # the edges add up to the total
            complete(edges, status)
    orgs = [
        {"id": str(org_id), "name": name, "kind": kind}
        for org_id, (name, kind) in sorted(names.items(), key=lambda item: item[1][0])
    ]
    return _head(scope, query.fiscal_year) | {"edges": edges, "total": total, "orgs": orgs}


# --- charts ----------------------------------------------------------------------------


def _number(value: Any) -> Any:
    """What a chart can draw: a hidden cell is drawn as no bar (None); its table says "<5"."""
    return None if is_hidden(value) else value


def chart_targets(
    session: Session, principal: Principal, query: ReportQuery, threshold: int
) -> dict[str, Any]:
    report = kpi(session, principal, query, threshold)
    charts = []
    for row in report["rows"]:
        years = row["years"]
        charts.append(
            {
                "kpi": row["kpi"],
                "title": row["label"],
                "title_en": row["label_en"],
                "categories": [y["label"] for y in years],
                "series": [
                    {
                        "key": "target",
                        "label": "目標",
                        "label_en": "Target",
                        "values": [y["target"] for y in years],
                    },
                    {
                        "key": "actual",
                        "label": "実績",
                        "label_en": "Actual",
                        "values": [_number(y["actual"]) for y in years],
                    },
                ],
                "table": {
                    "columns": ["年度", "目標", "実績", "達成率"],
                    "columns_en": ["Fiscal year", "Target", "Actual", "Attainment"],
                    "rows": [
                        [y["label"], y["target"], y["actual"], y["attainment"]] for y in years
                    ],
                },
            }
        )
    return {
        "chart": "targets",
        "title": "目標と実績（年度別）",
        "title_en": "Target and actual by fiscal year",
        **{k: report[k] for k in ("fiscal_year", "label", "scope", "scope_id", "suppressed")},
        "plan": report["plan"],
        "charts": charts,
    }


def chart_funnel(
    session: Session, principal: Principal, query: ReportQuery, threshold: int
) -> dict[str, Any]:
    data = funnel(session, principal, query, threshold)
    stages = data.pop("stages")
    return data | {
        "chart": "funnel",
        "title": "支援の流れ（相談から定着まで）",
        "title_en": "Funnel: consultation to retention",
        "categories": [s["label"] for s in stages],
        "categories_en": [s["label_en"] for s in stages],
        "series": [
            {
                "key": "persons",
                "label": "実人数",
                "label_en": "Persons",
                "values": [_number(s["persons"]) for s in stages],
            }
        ],
        "table": {
            "columns": ["段階", "実人数", "前段階からの割合", "相談からの割合"],
            "columns_en": ["Stage", "Persons", "From previous stage", "From consultation"],
            "rows": [
                [s["label"], s["persons"], s["rate_from_previous"], s["rate_from_first"]]
                for s in stages
            ],
        },
    }


def chart_referral_flow(
    session: Session, principal: Principal, query: ReportQuery, threshold: int
) -> dict[str, Any]:
    data = referral_flow(session, principal, query, threshold)
    return data | {
        "chart": "referral-flow",
        "title": "機関間の紹介（つなぎ）",
        "title_en": "Referral flow between members",
        "table": {
            "columns": [
                "紹介元",
                "紹介先",
                "送付",
                "受入",
                "辞退",
                "完了",
                "受入までの時間（中央値・時間）",
            ],
            "columns_en": [
                "From",
                "To",
                "Sent",
                "Accepted",
                "Declined",
                "Completed",
                "Median hours to acceptance",
            ],
            "rows": [
                [
                    e["from_org_name"],
                    e["to_org_name"],
                    e["sent"],
                    e["accepted"],
                    e["declined"],
                    e["completed"],
                    e["median_hours_to_acceptance"],
                ]
                for e in data["edges"]
            ],
        },
    }


def chart_ladder(
    session: Session, principal: Principal, query: ReportQuery, threshold: int
) -> dict[str, Any]:
    data = ladder_report(session, principal, query, threshold)
    rungs = data.pop("rungs")
    return data | {
        "chart": "ladder",
        "title": "支援の段階（相談から定着まで）と各段階の日数",
        "title_en": "The ladder: consultation to retention, and days on each rung",
        "categories": [r["label"] for r in rungs],
        "categories_en": [r["label_en"] for r in rungs],
        "series": [
            {
                "key": "persons",
                "label": "到達した実人数",
                "label_en": "Persons reaching it",
                "values": [_number(r["persons"]) for r in rungs],
            },
            {
                "key": "median_days",
                "label": "次の段階までの日数（中央値）",
                "label_en": "Median days to a higher rung",
                "values": [r["median_days"] for r in rungs],
            },
        ],
        "table": {
            "columns": [
                "段階",
                "到達した実人数",
                "次へ進んだ人数",
                "日数（中央値）",
                "留まっている人数",
            ],
            "columns_en": [
                "Rung",
                "Persons reaching it",
                "Moved on",
                "Median days",
                "Still on it",
            ],
            "rows": [
                [r["label"], r["persons"], r["moved_on"], r["median_days"], r["still_here"]]
                for r in rungs
            ],
        },
    }


CHARTS = {
    "targets": chart_targets,
    "funnel": chart_funnel,
    "referral-flow": chart_referral_flow,
    "ladder": chart_ladder,
}
