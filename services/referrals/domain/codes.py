"""The closed vocabularies of a referral. Codes are English and lower-case; the web UI
translates them (紹介の分類、結果、理由)."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """A data category the packet may carry; the consent must name each one."""

    IDENTITY = "identity"  # 氏名・かな・生年・市町村
    CONTACT = "contact"  # 連絡先
    HISTORY = "history"  # 相談の経過
    SUPPORT_RECORD = "support_record"  # 支援の記録
    SENSITIVE = "sensitive"  # 要配慮個人情報


CATEGORY_ORDER: tuple[Category, ...] = tuple(Category)


class Basis(StrEnum):
    """The legal basis of the provision to a third party (APPI art. 27)."""

    CONSENT = "consent"
    EXCEPTION = "exception"
    SUPPORT_MEETING = "support_meeting"
    """Shared among the members of a formally constituted support meeting (支援会議),
    who carry a statutory duty of confidentiality (APPI art. 27(1)(i): 法令に基づく場合)."""
    ANONYMOUS = "anonymous"


class SupportMeetingLaw(StrEnum):
    """The statute that constitutes the support meeting and binds its members to secrecy."""

    SEIKATSU_KONKYU_9 = "seikatsu_konkyu_9"  # 生活困窮者自立支援法 第9条
    SHAKAI_FUKUSHI_106_6 = "shakai_fukushi_106_6"  # 社会福祉法 第106条の6


class ExceptionCode(StrEnum):
    """The statutory exceptions of APPI art. 27(1) the sender may invoke, with a reason."""

    LIFE_BODY_PROPERTY = "life_body_property"  # 人の生命・身体・財産の保護（同意取得困難）
    PUBLIC_HEALTH_CHILD = "public_health_child"  # 公衆衛生の向上・児童の健全育成
    PUBLIC_BODY_COOPERATION = "public_body_cooperation"  # 国の機関等への協力


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class Outcome(StrEnum):
    """What became of the person at the receiver: the closed loop back to the sender."""

    GOT_HELP = "got_help"
    COULD_NOT_CONTACT = "could_not_contact"
    NO_LONGER_INTERESTED = "no_longer_interested"
    NO_CAPACITY = "no_capacity"
    REFERRED_ELSEWHERE = "referred_elsewhere"
    OTHER = "other"


class DeclineReason(StrEnum):
    NO_CAPACITY = "no_capacity"
    OUT_OF_SCOPE = "out_of_scope"
    OUTSIDE_AREA = "outside_area"
    PERSON_UNREACHABLE = "person_unreachable"
    OTHER = "other"


class WithdrawReason(StrEnum):
    NO_LONGER_NEEDED = "no_longer_needed"
    PERSON_REQUEST = "person_request"
    SENT_IN_ERROR = "sent_in_error"
    CONSENT_WITHDRAWN = "consent_withdrawn"  # set by the system on consent.withdrawn
    OTHER = "other"


class ObtainedVia(StrEnum):
    """How the provider obtained the data (APPI art. 30(1)(ii) 取得の経緯)."""

    CONSULTATION = "consultation"  # 本人・家族からの相談の過程で取得
    FAMILY_CONSULTATION = "family_consultation"  # 家族からの相談で取得
    OUTREACH = "outreach"  # アウトリーチ・訪問の過程で取得
    REFERRAL = "referral"  # 他の支援機関からの紹介で取得
    OTHER = "other"
