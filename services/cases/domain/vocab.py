"""The codes of case work, with the Japanese words support workers use for them.

Codes are what the API and events speak; the Japanese labels here serve the
spreadsheet import, which must understand a sheet typed by people (the web UI has
its own translated labels)."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """The support ladder of a case. ``closed`` is reached only by closing."""

    INTAKE = "intake"  # 受付・初回相談
    PREPARATION = "preparation"  # 就労準備（適性検査・面接練習）
    EXPERIENCE = "experience"  # 職場見学・カントリーワーク・体験就労
    JOB_SEARCH = "job_search"  # 求職活動
    EMPLOYED = "employed"  # 就労等進路決定
    RETENTION = "retention"  # 定着支援
    CLOSED = "closed"  # 終結


OPEN_STAGES: tuple[Stage, ...] = tuple(s for s in Stage if s is not Stage.CLOSED)


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Channel(StrEnum):
    VISIT = "visit"  # 来所
    PHONE = "phone"  # 電話
    LINE = "line"
    EMAIL = "email"
    OUTREACH = "outreach"  # アウトリーチ
    HOME_VISIT = "home_visit"  # 訪問
    ONLINE = "online"  # オンライン


class ContactBy(StrEnum):
    SELF = "self"  # 本人
    FAMILY = "family"  # 家族


class Relationship(StrEnum):
    """Who in the family consulted (続柄)."""

    MOTHER = "mother"
    FATHER = "father"
    PARENT = "parent"
    SIBLING = "sibling"
    SPOUSE = "spouse"
    CHILD = "child"
    GRANDPARENT = "grandparent"
    RELATIVE = "relative"
    OTHER = "other"


class ActivityType(StrEnum):
    """The Kagoshima ladder of support activities."""

    APTITUDE_TEST = "aptitude_test"  # 職業適性検査
    INTERVIEW_PRACTICE = "interview_practice"  # 面接対応
    WORKPLACE_TOUR = "workplace_tour"  # 職場見学
    COUNTRY_WORK = "country_work"  # カントリーワーク
    WORK_EXPERIENCE = "work_experience"  # 体験就労
    JOB_APPLICATION = "job_application"  # 応募
    GROUP_PROGRAM = "group_program"  # 集団支援プログラム
    RETENTION_FOLLOWUP = "retention_followup"  # 定着支援
    SEMINAR = "seminar"  # セミナー
    OTHER = "other"


class OutcomeType(StrEnum):
    JOB_SEARCH_STARTED = "job_search_started"  # 求職活動開始
    PATH_DECIDED = "path_decided"  # 就労等進路決定
    RETENTION = "retention"  # 定着状況


class Path(StrEnum):
    """The path of a ``path_decided`` outcome (進路)."""

    EMPLOYMENT_REGULAR = "employment_regular"  # 正規雇用
    EMPLOYMENT_NONREGULAR = "employment_nonregular"  # 非正規雇用
    VOCATIONAL_TRAINING = "vocational_training"  # 職業訓練
    EDUCATION = "education"  # 進学
    WELFARE = "welfare"  # 福祉的就労等
    OTHER = "other"


EMPLOYMENT_PATHS = frozenset({Path.EMPLOYMENT_REGULAR, Path.EMPLOYMENT_NONREGULAR})


class Category(StrEnum):
    """Data categories a consent (and so a referral packet) covers."""

    IDENTITY = "identity"
    CONTACT = "contact"
    HISTORY = "history"
    SUPPORT_RECORD = "support_record"
    SENSITIVE = "sensitive"  # 要配慮個人情報


class ConsentMethod(StrEnum):
    WRITTEN = "written"  # 書面
    VERBAL = "verbal"  # 口頭
    ELECTRONIC = "electronic"  # 電磁的方法


class GivenBy(StrEnum):
    """Who gave a consent. Only the person or a legal representative consents for the
    person's data; a family member's word covers the family member's own information."""

    SELF = "self"  # 本人
    LEGAL_REPRESENTATIVE = "legal_representative"  # 法定代理人
    FAMILY = "family"  # 家族（本人の同意ではない）


GIVEN_BY_ALIASES = {"guardian": GivenBy.LEGAL_REPRESENTATIVE.value}
"""``guardian`` (API.md's older spelling, and rows recorded before) means a legal representative."""


class RepresentativeBasis(StrEnum):
    """Why a legal representative speaks for the person."""

    MINOR = "minor"  # 未成年者の親権者
    GUARDIANSHIP = "guardianship"  # 成年後見人（成年後見制度）


class NoteCategory(StrEnum):
    """``general`` notes are ordinary; the others are 要配慮個人情報 (APPI art. 2(3))."""

    GENERAL = "general"
    ILLNESS = "illness"  # 病歴
    DISABILITY = "disability"  # 障害（発達障害を含む）
    TREATMENT = "treatment"  # 診療・調剤
    CRIMINAL_RECORD = "criminal_record"  # 犯罪の経歴
    CRIME_VICTIM = "crime_victim"  # 犯罪被害
    OTHER_SENSITIVE = "other_sensitive"  # その他の要配慮個人情報（信条・社会的身分等）


SENSITIVE_NOTE_CATEGORIES = frozenset(c for c in NoteCategory if c is not NoteCategory.GENERAL)


class CloseReason(StrEnum):
    """The code of a closing, carried by ``case.closed`` (the free-text reason is not)."""

    PATH_DECIDED = "path_decided"  # 進路決定・定着
    REFERRED = "referred"  # 他機関へつないだ
    NO_CONTACT = "no_contact"  # 連絡途絶
    DECLINED = "declined"  # 本人・家族の希望
    MOVED = "moved"  # 転居
    OTHER = "other"


RETENTION_CHECKPOINTS = (1, 3, 6, 12)
"""Months after starting work at which retention is checked (定着確認)."""


class AgeBand(StrEnum):
    UNDER_30 = "under_30"
    THIRTIES = "30s"
    FORTIES = "40s"
    FIFTY_PLUS = "50_plus"
    UNKNOWN = "unknown"
