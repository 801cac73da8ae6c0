"""The KPIs the grant programme is judged by (DESIGN §1) and the measures they read.

A *measure* is something an event can count for a person in a fiscal year (a
consultation, a path decided as regular employment, a group-programme attendance).
Each KPI reads one measure: its distinct persons (実人数) or its events (延べ).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kpi(StrEnum):
    CONSULTED_PERSONS = "consulted_persons"
    JOB_SEARCH_PERSONS = "job_search_persons"
    PATH_DECIDED_PERSONS = "path_decided_persons"
    LINE_FRIENDS = "line_friends"
    GROUP_PROGRAM_PERSONS = "group_program_persons"
    CONTACTS_TOTAL = "contacts_total"


# --- measures ---------------------------------------------------------------------------

CONSULTATION = "consultation"
"""Any consultation, by the person or by their family (相談)."""
CONSULTATION_SELF = "consultation.self"
CONSULTATION_FAMILY = "consultation.family"
JOB_SEARCH = "job_search"  # 求職活動
PATH_DECIDED = "path_decided"  # 就労等進路決定
RETAINED_6M = "retained_6m"  # 就労後6か月の定着
LINE_NEW_FRIEND = "line.new_friend"
"""A follow that is not an unblock (新規友だち): what ``line_friends`` counts."""
LINE_REFOLLOW = "line.refollow"
"""A follow after a block (LINE's ``isUnblocked``, 再追加)."""
LINE_BLOCK = "line.block"
"""An unfollow: the user blocked the account (ブロック)."""
LINE_MESSAGE = "line.message"
CASE_OPENED = "case.opened"
GROUP_PROGRAM_ACTIVITY = "group_program"


def path_measure(path: str) -> str:
    return f"{PATH_DECIDED}.{path}"


def activity_measure(activity_type: str) -> str:
    return f"activity.{activity_type}"


PATH_KINDS: dict[str, tuple[str, str]] = {
    "employment_regular": ("正規雇用", "Regular employment"),
    "employment_nonregular": ("非正規雇用", "Non-regular employment"),
    "vocational_training": ("職業訓練", "Vocational training"),
    "education": ("進学・復学", "Education"),
    "welfare": ("福祉的就労等", "Welfare"),
    "other": ("その他", "Other"),
}
"""Path kinds (進路の種類) in the order reports list them."""

ACTIVITY_TYPES: dict[str, tuple[str, str]] = {
    "aptitude_test": ("職業適性検査", "Aptitude test"),
    "interview_practice": ("面接対応", "Interview practice"),
    "workplace_tour": ("職場見学", "Workplace tour"),
    "country_work": ("カントリーワーク", "Country work"),
    "work_experience": ("体験就労", "Work experience"),
    "job_application": ("応募", "Job application"),
    "group_program": ("集団支援プログラム", "Group programme"),
    "retention_followup": ("定着支援", "Retention follow-up"),
    "seminar": ("セミナー", "Seminar"),
    "other": ("その他", "Other"),
}


@dataclass(frozen=True)
class KpiDefinition:
    kpi: Kpi
    label: str
    label_en: str
    measure: str
    counts: str
    """``persons`` (実人数) or ``events`` (延べ): which figure is the KPI's actual."""


KPIS: dict[Kpi, KpiDefinition] = {
    d.kpi: d
    for d in (
        KpiDefinition(
            Kpi.CONSULTED_PERSONS,
            "相談窓口（家族による相談含む）人数",
            "Persons consulted (incl. family consultations)",
            CONSULTATION,
            "persons",
        ),
        KpiDefinition(
            Kpi.JOB_SEARCH_PERSONS,
            "求職活動を行った人数",
            "Persons who started a job search",
            JOB_SEARCH,
            "persons",
        ),
        KpiDefinition(
            Kpi.PATH_DECIDED_PERSONS,
            "就労等進路決定した人数",
            "Persons whose path was decided",
            PATH_DECIDED,
            "persons",
        ),
        KpiDefinition(
            Kpi.LINE_FRIENDS,
            "LINEの友達ユーザー数",
            "LINE friends (new)",
            LINE_NEW_FRIEND,
            "persons",
        ),
        KpiDefinition(
            Kpi.GROUP_PROGRAM_PERSONS,
            "集団支援プログラムへの参加者数",
            "Group programme participants",
            activity_measure(GROUP_PROGRAM_ACTIVITY),
            "persons",
        ),
        KpiDefinition(
            Kpi.CONTACTS_TOTAL,
            "延べ相談件数",
            "Consultations (total contacts)",
            CONSULTATION,
            "events",
        ),
    )
}
"""Every KPI, in the order of the seed's table."""


@dataclass(frozen=True)
class BesideMeasure:
    """A measure shown under a KPI's row (no target of its own), e.g. LINE's re-follows."""

    key: str
    label: str
    label_en: str
    measure: str


BESIDE: dict[Kpi, tuple[BesideMeasure, ...]] = {
    Kpi.LINE_FRIENDS: (
        BesideMeasure(
            "line_refollows", "LINE 再追加（ブロック解除）", "LINE re-follows", LINE_REFOLLOW
        ),
        BesideMeasure("line_blocks", "LINE ブロック", "LINE blocks", LINE_BLOCK),
    ),
}
"""What each KPI's row carries beside it: counted like the KPI (per year and over the
plan), as events (延べ), since a user may block and come back more than once."""

KPI_MEASURES: frozenset[str] = frozenset(
    {d.measure for d in KPIS.values()}
    | {CONSULTATION_SELF, CONSULTATION_FAMILY, LINE_REFOLLOW, LINE_BLOCK}
    | {path_measure(p) for p in PATH_KINDS}
)
"""The measures a KPI report reads (its rows and their breakdowns)."""


@dataclass(frozen=True)
class FunnelStage:
    key: str
    label: str
    label_en: str
    measure: str


FUNNEL: tuple[FunnelStage, ...] = (
    FunnelStage("consultation", "相談", "Consultation", CONSULTATION),
    FunnelStage("job_search", "求職活動", "Job search", JOB_SEARCH),
    FunnelStage("path_decided", "進路決定", "Path decided", PATH_DECIDED),
    FunnelStage("retained_6m", "6か月定着", "Retained at 6 months", RETAINED_6M),
)
"""相談 → 求職活動 → 進路決定 → 6か月定着: distinct persons reaching each stage in the year."""
