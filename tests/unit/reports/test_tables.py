"""The KPI table, plan periods, small cells, funnels, snapshot differences."""

from __future__ import annotations

import pytest

from services.reports.domain.diff import report_diff
from services.reports.domain.funnel import funnel
from services.reports.domain.plan import PlanPeriod, plan_for
from services.reports.domain.report import Counts, attainment, kpi_report, table_rows
from services.reports.domain.suppression import cell, suppress_kpi_report, suppress_months

PLAN = PlanPeriod(2020, 3)


def _rows(report: dict) -> dict[str, dict]:
    return {row["kpi"]: row for row in report["rows"]}


@pytest.mark.parametrize(
    ("actual", "target", "expected"),
    [(512, 30, 512 / 30), (0, 5, 0.0), (3, None, None), (3, 0, None), (None, 4, None)],
)
def test_attainment_is_actual_over_target_and_null_without_a_target(
    actual: int | None, target: int | None, expected: float | None
) -> None:
    assert attainment(actual, target) == expected


@pytest.mark.parametrize(
    ("year", "stored", "earliest", "start"),
    [
        (2020, None, None, 2020),
        (2022, None, 2020, 2020),
        (2023, None, 2020, 2023),
        (2019, None, 2020, 2017),
        (2022, PlanPeriod(2021, 3), 2019, 2021),
        (2026, PlanPeriod(2021, 5), None, 2026),
    ],
)
def test_the_plan_period_containing_a_year(
    year: int, stored: PlanPeriod | None, earliest: int | None, start: int
) -> None:
    plan = plan_for(year, stored=stored, earliest_target_year=earliest)
    assert plan.start == start
    assert year in plan.fiscal_years


def test_the_plan_label_reads_in_reiwa_with_gannen() -> None:
    assert PlanPeriod(2019, 3).as_dict()["label"] == "令和元年度〜令和3年度"


def test_persons_and_contacts_sit_side_by_side_and_the_cumulative_column_adds_the_years() -> None:
    tallies = {
        2020: {
            "consultation": Counts(events=759, persons=512),
            "consultation.self": Counts(events=560, persons=400),
            "consultation.family": Counts(events=199, persons=130),
            "line.new_friend": Counts(events=15, persons=14),
            "line.refollow": Counts(events=4, persons=3),
            "line.block": Counts(events=6, persons=5),
        },
        2021: {
            "consultation": Counts(events=40, persons=20),
            "line.new_friend": Counts(events=7, persons=7),
            "line.block": Counts(events=1, persons=1),
        },
    }
    targets = {2020: {"consulted_persons": 30}, 2021: {"consulted_persons": 35}}
    report = kpi_report(2020, PLAN, tallies, targets)
    rows = _rows(report)
    consulted = rows["consulted_persons"]
    assert (consulted["actual"], consulted["persons"], consulted["contacts"]) == (512, 512, 759)
    family_only = consulted["breakdown"][1]
    assert (family_only["key"], family_only["persons"]) == ("family_only", 112)
    assert consulted["cumulative"] == {"target": 65, "actual": 532, "attainment": 532 / 65}
    assert rows["contacts_total"]["actual"] == 759
    line = rows["line_friends"]
    # New friends, each LINE user once: the persons, not the follow events.
    assert (line["actual"], line["persons"], line["contacts"]) == (14, 14, 15)
    assert line["cumulative"]["actual"] == 21
    refollows, blocks = line["beside"]
    assert (refollows["kpi"], refollows["label"]) == (
        "line_refollows",
        "LINE 再追加（ブロック解除）",
    )
    assert (refollows["actual"], refollows["target"], refollows["attainment"]) == (4, None, None)
    assert [y["actual"] for y in refollows["years"]] == [4, 0, 0]
    assert (blocks["kpi"], blocks["label"]) == ("line_blocks", "LINE ブロック")
    assert [y["actual"] for y in blocks["years"]] == [6, 1, 0]
    assert blocks["cumulative"] == {"target": None, "actual": 7, "attainment": None}
    assert [r["kpi"] for r in table_rows(report["rows"])][3:6] == [
        "line_friends",
        "line_refollows",
        "line_blocks",
    ]
    assert "beside" not in rows["consulted_persons"]
    assert rows["job_search_persons"]["cumulative"] == {
        "target": None,
        "actual": 0,
        "attainment": None,
    }


def test_small_cells_become_less_than_five_but_zero_and_targets_stay() -> None:
    assert [cell(v, 5) for v in (0, 1, 4, 5, -3)] == [0, "<5", "<5", 5, "<5"]
    tallies = {2020: {"path_decided": Counts(3, 3), "consultation": Counts(40, 12)}}
    raw = kpi_report(2020, PLAN, tallies, {2020: {"path_decided_persons": 2}})
    shown = suppress_kpi_report(raw, 5)
    path = _rows(shown)["path_decided_persons"]
    assert (path["target"], path["actual"], path["attainment"]) == (2, "<5", None)
    assert path["years"][1]["actual"] == 0
    assert _rows(shown)["consulted_persons"]["actual"] == 12
    assert _rows(raw)["path_decided_persons"]["actual"] == 3  # the original is untouched


def test_the_funnel_rates_come_from_the_stage_before_and_from_the_first() -> None:
    stages = funnel(
        {
            "consultation": Counts(100, 40),
            "job_search": Counts(12, 10),
            "path_decided": Counts(5, 5),
        }
    )
    assert [s["persons"] for s in stages] == [40, 10, 5, 0]
    assert stages[0]["rate_from_previous"] is None
    assert stages[1]["rate_from_previous"] == 0.25
    assert stages[2]["rate_from_first"] == 5 / 40
    assert stages[3]["rate_from_previous"] == 0.0


def test_a_snapshot_diff_lists_only_what_changed() -> None:
    before = kpi_report(2020, PLAN, {2020: {"consultation": Counts(10, 8)}}, {})
    after = kpi_report(
        2020, PLAN, {2020: {"consultation": Counts(11, 8)}}, {2020: {"consulted_persons": 9}}
    )
    changes = {(c["kpi"], c["field"]): c for c in report_diff(before, after)}
    assert set(changes) == {
        ("consulted_persons", "target"),
        ("consulted_persons", "contacts"),
        ("consulted_persons", "cumulative.target"),
        ("contacts_total", "actual"),
        ("contacts_total", "contacts"),
        ("contacts_total", "cumulative.actual"),
    }
    assert changes[("consulted_persons", "target")]["delta"] is None  # from no target to 9
    assert changes[("contacts_total", "actual")]["delta"] == 1
    assert report_diff(after, after) == []


def test_a_snapshot_diff_also_shows_a_change_in_line_blocks() -> None:
    before = kpi_report(2020, PLAN, {2020: {"line.block": Counts(2, 2)}}, {})
    after = kpi_report(2020, PLAN, {2020: {"line.block": Counts(3, 2)}}, {})
    changes = {(c["kpi"], c["field"]): c["delta"] for c in report_diff(before, after)}
    assert changes == {
        ("line_blocks", "actual"): 1,
        ("line_blocks", "contacts"): 1,
        ("line_blocks", "cumulative.actual"): 1,
    }


def test_a_total_that_would_reveal_a_hidden_cell_is_hidden_as_x() -> None:
    tallies = {
        2020: {
            "consultation": Counts(900, 513),
            "consultation.self": Counts(880, 510),
            "consultation.family": Counts(20, 10),
            "line.new_friend": Counts(12, 12),
            "line.refollow": Counts(3, 3),
            "line.block": Counts(9, 9),
        },
        2021: {"consultation": Counts(2, 2)},
    }
    report = suppress_kpi_report(kpi_report(2020, PLAN, tallies, {}), 5)
    rows = {r["kpi"]: r for r in report["rows"]}
    consulted = rows["consulted_persons"]
    assert [y["actual"] for y in consulted["years"]] == [513, "<5", 0]
    assert consulted["cumulative"]["actual"] == "x"  # 515 − 513 would give the 2 away
    halves = {p["key"]: p["persons"] for p in consulted["breakdown"]}
    assert halves == {"self": "x", "family_only": "<5"}  # 513 − 510 would give the 3 away
    line = rows["line_friends"]
    refollows, blocks = line["beside"]
    assert line["actual"] == 12
    assert (refollows["actual"], refollows["persons"], refollows["years"][0]["actual"]) == (
        "<5",
        "<5",
        "<5",
    )
    assert refollows["cumulative"]["actual"] == "<5"
    assert (blocks["actual"], blocks["cumulative"]["actual"]) == (9, 9)


def test_one_hidden_month_takes_the_smallest_other_month_with_it() -> None:
    months = [
        {"actual": v, "persons": v, "new_persons": v, "contacts": v, "cumulative": c}
        for v, c in zip(
            [10, 3, 0, 7, 20, 9, 9, 9, 9, 9, 9, 9],
            [10, 13, 13, 20, 40, 49, 58, 67, 76, 85, 94, 103],
            strict=True,
        )
    ]
    shown = suppress_months(months, ("new_persons", "contacts"), 5)
    assert [m["contacts"] for m in shown][:5] == [10, "<5", 0, "x", 20]
    assert [m["cumulative"] for m in shown] == [10] + ["x"] * 10 + [103]
