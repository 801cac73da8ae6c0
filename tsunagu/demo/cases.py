"""Demo cases: a few dozen realistic Kagoshima and Yamanashi cases at every rung of the
ladder — family-only and anonymous LINE consultations, accompanied tours, country work,
experiential work with an allowance, paths decided, retention check-ins — created
through the gateway API by the members' own people.

Hands ``ctx.shared["cases"]`` (key -> {id, consent_id?}) to the referrals seeder."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from common.clock import JST
from tsunagu.demo.client import GatewayClient
from tsunagu.demo.context import DemoContext

log = logging.getLogger(__name__)

Step = tuple[Any, ...]


def at(days_ago: int, hour: int = 14, minute: int = 0) -> str:
    """A JST wall-clock time ``days_ago`` days back (never in the future)."""
    day = datetime.now(JST) - timedelta(days=days_ago)
    moment = day.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return min(moment, datetime.now(JST) - timedelta(minutes=5)).isoformat()


def contact(
    days: int,
    channel: str,
    by: str,
    summary: str,
    *,
    rel: str | None = None,
    minutes: int = 30,
    hour: int = 14,
) -> Step:
    body = {
        "channel": channel,
        "by": by,
        "occurred_at": at(days, hour),
        "minutes": minutes,
        "summary": summary,
    } | ({"relationship": rel} if rel else {})
    return ("contacts", body)


def activity(ago: int, kind: str, **extra: Any) -> Step:
    return ("activities", {"type": kind, "occurred_at": at(ago, 10)} | extra)


def outcome(ago: int, kind: str, **extra: Any) -> Step:
    return ("outcomes", {"type": kind, "occurred_at": at(ago, 16)} | extra)


MOTHER_CALL = "母より電話。息子が高校中退後、10年以上ほぼ自室から出ない。父とは会話がない。"

# (key, user, person, steps)
CASES: list[tuple[str, str, dict[str, Any], list[Step]]] = [
    # --- Kagoshima: the Support Station's ladder -------------------------------------------
    (
        "k-intake-family",
        "kagoshima.saposute.staff",
        {
            "display_name": "西郷 健一",
            "kana": "さいごう けんいち",
            "birth_year": 1981,
            "gender": "male",
            "municipality": "鹿児島市",
        },
        [contact(12, "phone", "family", MOTHER_CALL, rel="mother", minutes=40)],
    ),
    (
        "k-intake-self",
        "kagoshima.saposute.staff",
        {
            "display_name": "有村 美穂",
            "kana": "ありむら みほ",
            "birth_year": 1985,
            "gender": "female",
            "municipality": "鹿児島市",
            "phone": "099-000-1001",
        },
        [
            contact(
                5,
                "visit",
                "self",
                "本人来所。派遣切れ後3年間就労なし。まず話を聞いてほしいとのこと。",
                minutes=60,
            )
        ],
    ),
    (
        "k-preparation",
        "kagoshima.saposute.staff",
        {
            "display_name": "東郷 大輔",
            "kana": "とうごう だいすけ",
            "birth_year": 1978,
            "gender": "male",
            "municipality": "霧島市",
        },
        [
            contact(
                90,
                "phone",
                "family",
                "姉より相談。本人は週に一度コンビニに行く程度。",
                rel="sibling",
            ),
            contact(70, "home_visit", "self", "自宅訪問。本人と短時間面談できた。", minutes=20),
            activity(40, "aptitude_test", place="サポステ相談室"),
            activity(20, "interview_practice", note="模擬面接1回目。緊張が強い。"),
        ],
    ),
    (
        "k-tour",
        "kagoshima.saposute.coordinator",
        {
            "display_name": "黒木 翔太",
            "kana": "くろき しょうた",
            "birth_year": 1983,
            "gender": "male",
            "municipality": "姶良市",
        },
        [
            contact(120, "visit", "self", "来所。農作業に興味あり。", minutes=50),
            activity(80, "aptitude_test"),
            activity(45, "workplace_tour", place="姶良市の農園", accompanied=True),
        ],
    ),
    (
        "k-country-work",
        "kagoshima.saposute.coordinator",
        {
            "display_name": "濵田 さやか",
            "kana": "はまだ さやか",
            "birth_year": 1987,
            "gender": "female",
            "municipality": "鹿屋市",
        },
        [
            contact(150, "phone", "self", "電話相談。対人が不安。"),
            activity(110, "workplace_tour", place="鹿屋市の清掃会社", accompanied=True),
            activity(
                60,
                "country_work",
                place="さつまいも農家",
                days=3,
                allowance_yen=0,
                accompanied=True,
                note="カントリーワーク3日間。休まず参加。",
            ),
        ],
    ),
    (
        "k-work-experience",
        "kagoshima.saposute.coordinator",
        {
            "display_name": "田代 直樹",
            "kana": "たしろ なおき",
            "birth_year": 1976,
            "gender": "male",
            "municipality": "薩摩川内市",
        },
        [
            contact(200, "visit", "family", "母と来所。", rel="mother", minutes=60),
            contact(180, "visit", "self", "本人来所。", minutes=45),
            activity(150, "workplace_tour", place="ホテルのフロント", accompanied=True),
            activity(
                100,
                "work_experience",
                place="ホテルの受付",
                days=5,
                allowance_yen=15000,
                accompanied=False,
            ),
        ],
    ),
    (
        "k-job-search",
        "kagoshima.saposute.staff",
        {
            "display_name": "川畑 由美",
            "kana": "かわばた ゆみ",
            "birth_year": 1982,
            "gender": "female",
            "municipality": "鹿児島市",
        },
        [
            contact(240, "visit", "self", "来所。事務職希望。"),
            activity(200, "interview_practice"),
            activity(150, "work_experience", place="市内の事務所", days=10, allowance_yen=30000),
            outcome(90, "job_search_started"),
            activity(60, "job_application", place="ハローワーク紹介求人"),
        ],
    ),
    (
        "k-employed",
        "kagoshima.saposute.staff",
        {
            "display_name": "上村 拓也",
            "kana": "うえむら たくや",
            "birth_year": 1979,
            "gender": "male",
            "municipality": "日置市",
        },
        [
            contact(320, "phone", "family", "父より相談。", rel="father"),
            contact(300, "visit", "self", "本人来所。"),
            activity(
                260, "country_work", place="茶畑", days=5, allowance_yen=10000, accompanied=True
            ),
            outcome(200, "job_search_started"),
            outcome(
                150, "path_decided", path="employment_nonregular", employer="○○農園", sector="農業"
            ),
        ],
    ),
    (
        "k-retention",
        "kagoshima.saposute.staff",
        {
            "display_name": "松元 恵",
            "kana": "まつもと めぐみ",
            "birth_year": 1984,
            "gender": "female",
            "municipality": "鹿児島市",
        },
        [
            contact(420, "visit", "self", "来所。"),
            activity(380, "workplace_tour", place="介護施設", accompanied=True),
            outcome(330, "job_search_started"),
            outcome(
                300,
                "path_decided",
                path="employment_regular",
                employer="△△介護サービス",
                sector="介護",
            ),
            activity(270, "retention_followup", checkpoint_months=1, retained=True),
            activity(210, "retention_followup", checkpoint_months=3, retained=True),
            activity(120, "retention_followup", checkpoint_months=6, retained=True),
        ],
    ),
    (
        "k-closed-settled",
        "kagoshima.saposute.staff",
        {
            "display_name": "福永 誠",
            "kana": "ふくなが まこと",
            "birth_year": 1975,
            "gender": "male",
            "municipality": "指宿市",
        },
        [
            contact(700, "visit", "self", "来所。"),
            outcome(
                600, "path_decided", path="employment_regular", employer="□□運輸", sector="運輸"
            ),
            activity(300, "retention_followup", checkpoint_months=12, retained=True),
            ("close", {"reason": "12か月定着を確認し終結", "reason_code": "path_decided"}),
        ],
    ),
    (
        "k-closed-no-contact",
        "kagoshima.saposute.staff",
        {
            "display_name": "仮名 A",
            "kana": "かめい えー",
            "gender": "unknown",
            "municipality": "出水市",
        },
        [
            contact(400, "phone", "family", "祖母より一度だけ相談。", rel="grandparent"),
            ("close", {"reason": "半年以上連絡が取れない", "reason_code": "no_contact"}),
        ],
    ),
    (
        "k-center-1",
        "kagoshima.center.staff",
        {
            "display_name": "森山 和也",
            "kana": "もりやま かずや",
            "birth_year": 1972,
            "gender": "male",
            "municipality": "鹿児島市",
        },
        [
            contact(
                60,
                "phone",
                "family",
                "80代の母より。本人50代、20年ひきこもり。8050問題。",
                rel="mother",
                minutes=50,
            ),
            contact(
                30, "home_visit", "family", "自宅訪問。母と面談、本人は部屋から出ず。", rel="mother"
            ),
            (
                "notes",
                {
                    "category": "illness",
                    "body": "母の話では、本人は20代でうつ病の診断歴あり。現在通院なし。",
                },
            ),
        ],
    ),
    (
        "k-center-2",
        "kagoshima.center.staff",
        {
            "display_name": "新納 悠",
            "kana": "にいろ ゆう",
            "birth_year": 1990,
            "gender": "other",
            "municipality": "霧島市",
        },
        [
            contact(25, "online", "self", "オンライン面談。", minutes=40),
            activity(10, "group_program", place="センターの居場所プログラム"),
        ],
    ),
    (
        "k-family-1",
        "kagoshima.family.volunteer",
        {"display_name": "匿名（家族会）1", "anonymous": True, "gender": "male"},
        [contact(15, "visit", "family", "家族会の例会で母親から相談。", rel="mother", minutes=60)],
    ),
    (
        "k-family-2",
        "kagoshima.family.volunteer",
        {"display_name": "匿名（家族会）2", "anonymous": True, "gender": "female"},
        [contact(8, "phone", "family", "父親から電話。娘が40代。", rel="father", minutes=25)],
    ),
    # --- Yamanashi: anonymous LINE consultations, the center, family associations --------
    *[
        (
            f"y-line-{i}",
            "yamanashi.line.staff",
            {"display_name": f"LINE相談 {i}", "anonymous": True, "gender": gender},
            [contact(days, "line", "family", text, rel=rel, hour=hour, minutes=minutes)],
        )
        for i, (days, hour, rel, gender, minutes, text) in enumerate(
            [
                (3, 20, "mother", "male", 35, "子どもが仕事を辞めてから2年部屋から出ない。"),
                (6, 17, "father", "male", 20, "40代の息子のことで。どこに相談すればよいか。"),
                (9, 19, "sibling", "female", 45, "姉のことで。親が高齢で心配。"),
                (14, 16, "mother", "unknown", 15, "名前は言いたくないが話を聞いてほしい。"),
                (21, 21, "spouse", "male", 30, "夫が休職後ずっと家にいる。"),
            ],
            start=1,
        )
    ],
    (
        "y-center-named",
        "yamanashi.center.staff",
        {
            "display_name": "望月 隆",
            "kana": "もちづき たかし",
            "birth_year": 1980,
            "gender": "male",
            "municipality": "甲府市",
        },
        [
            contact(100, "line", "family", "LINEで母より相談（匿名）。", rel="mother", hour=20),
            contact(80, "visit", "family", "母が来所し、名前を伝えてくれた。", rel="mother"),
            activity(40, "group_program", place="家族向け学習会"),
        ],
    ),
    (
        "y-center-reached",
        "yamanashi.center.staff",
        {
            "display_name": "雨宮 真一",
            "kana": "あめみや しんいち",
            "birth_year": 1974,
            "gender": "male",
            "municipality": "南アルプス市",
        },
        [
            contact(150, "phone", "family", "父より。", rel="father"),
            contact(90, "home_visit", "self", "訪問。本人がドア越しに応答。", minutes=15),
            contact(60, "home_visit", "self", "訪問。本人と居間で30分話せた。"),
            activity(30, "group_program", place="センターの集団支援プログラム"),
        ],
    ),
    (
        "y-center-consented",
        "yamanashi.center.staff",
        {
            "display_name": "保坂 理恵",
            "kana": "ほさか りえ",
            "birth_year": 1983,
            "gender": "female",
            "municipality": "甲府市",
            "phone": "055-000-2002",
        },
        [
            contact(200, "line", "family", "母よりLINE。", rel="mother", hour=18),
            contact(160, "visit", "self", "本人来所。", minutes=50),
            activity(120, "group_program", place="センターの集団支援プログラム"),
            activity(60, "group_program", place="センターの集団支援プログラム"),
            (
                "consents",
                {
                    "to": "yamanashi.saposute",
                    "categories": ["identity", "contact", "history"],
                    "method": "written",
                    "given_by": "self",
                },
            ),
        ],
    ),
    (
        "y-family",
        "yamanashi.family.volunteer",
        {"display_name": "匿名（やまなし家族会）", "anonymous": True, "gender": "male"},
        [contact(11, "visit", "family", "家族会の相談会。", rel="parent", minutes=90)],
    ),
    (
        "y-saposute",
        "yamanashi.saposute.staff",
        {
            "display_name": "小林 健",
            "kana": "こばやし けん",
            "birth_year": 1986,
            "gender": "male",
            "municipality": "甲府市",
        },
        [
            contact(70, "visit", "self", "来所。"),
            activity(40, "seminar", place="就活セミナー"),
            activity(20, "workplace_tour", place="ワイナリー", accompanied=True),
        ],
    ),
]


def _consent(
    ctx: DemoContext, client: GatewayClient, case_id: str, spec: dict[str, Any]
) -> str | None:
    body = {
        "to_org_ids": [ctx.orgs[spec["to"]]],
        "categories": spec["categories"],
        "method": spec["method"],
        "given_by": spec["given_by"],
        "obtained_at": at(10, 11),
    }
    deadline = time.monotonic() + 30
    while True:
        response = client.request("POST", f"/api/v1/cases/{case_id}/consents", body, expect=None)
        if response.status == 201:
            return str(response.json()["id"])
        # 422 while the org directory has not yet heard of the receiver (org.registered).
        if response.status != 422 or time.monotonic() >= deadline:
            log.warning("demo consent not recorded", extra={"status": response.status})
            return None
        time.sleep(1.0)


def seed(ctx: DemoContext) -> None:
    shared: dict[str, dict[str, str]] = ctx.shared.setdefault("cases", {})
    for key, user, person, steps in CASES:
        client = ctx.as_user(user)
        dates = [b["occurred_at"] for _, b in steps if "occurred_at" in b]
        body = {"person": person} | ({"opened_at": min(dates)} if dates else {})
        case = client.post("/cases", body)
        case_id = str(case["id"])
        client.patch(f"/cases/{case_id}", {"assigned_to": client.me["id"]})
        entry = {"id": case_id, "org": user.rsplit(".", 1)[0]}
        for step in steps:
            kind, payload = step
            if kind == "close":
                client.post(f"/cases/{case_id}/close", payload)
            elif kind == "consents":
                consent_id = _consent(ctx, client, case_id, payload)
                if consent_id:
                    entry["consent_id"] = consent_id
            else:
                client.post(f"/cases/{case_id}/{kind}", payload)
        shared[key] = entry
