"""Demo referrals between the demo members, in every state, created through the gateway API
by the members' own people — after the cases seeder (``ctx.shared["cases"]``).

Kagoshima keeps the default policy; Yamanashi's consortium admin turns on the two-person
rule, so the Support Station's decline there waits for the prefectural center (its staff
can confirm it on the oversight page). One referral is due today and
expires at midnight JST (an expired referral cannot be made through the API any sooner).
Leaves ``ctx.shared["referrals"]`` (key -> referral id) for the reports seeder."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from common.clock import JST
from tsunagu.demo.client import ApiFailure, GatewayClient
from tsunagu.demo.context import DemoContext

log = logging.getLogger(__name__)

PEOPLE = {
    "kagoshima.saposute": {
        "display_name": "徳田 翔太",
        "kana": "とくだ しょうた",
        "birth_year": 1984,
        "gender": "male",
        "municipality": "鹿児島市",
    },
    "kagoshima.center": {
        "display_name": "坂元 直美",
        "kana": "さかもと なおみ",
        "birth_year": 1979,
        "gender": "female",
        "municipality": "霧島市",
    },
    "kagoshima.family": {
        "display_name": "川畑 誠",
        "kana": "かわばた まこと",
        "birth_year": 1976,
        "gender": "male",
        "municipality": "霧島市",
    },
    "yamanashi.center": {
        "display_name": "望月 亮",
        "kana": "もちづき りょう",
        "birth_year": 1983,
        "gender": "male",
        "municipality": "甲府市",
    },
    "yamanashi.line": {"display_name": "LINE相談者（匿名）", "gender": "unknown"},
    "yamanashi.saposute": {
        "display_name": "志村 彩",
        "kana": "しむら あや",
        "birth_year": 1988,
        "gender": "female",
        "municipality": "甲斐市",
    },
    "yamanashi.family": {
        "display_name": "渡辺 拓也",
        "kana": "わたなべ たくや",
        "birth_year": 1980,
        "gender": "male",
        "municipality": "笛吹市",
    },
}
"""A person per sending member, for when the cases seeder left no case of that member."""

# key, sender user, receiver org, basis, categories, reason, then what happens next
REFERRALS: list[
    tuple[str, str, str, str, list[str], str, list[tuple[str, str, dict[str, Any]]]]
] = [
    (
        "k-sent-urgent",
        "kagoshima.family.volunteer",
        "kagoshima.saposute",
        "consent",
        ["identity", "contact", "history"],
        "家族会の定例会で母親から相談。本人が就労に関心を示し始めたため、サポステでの面談を希望。",
        [],
    ),
    (
        "k-viewed",
        "kagoshima.saposute.staff",
        "kagoshima.center",
        "consent",
        ["identity", "history", "support_record"],
        "生活リズムの乱れが続き、集団支援プログラムの利用が適当と考えます。",
        [("view", "kagoshima.center.staff", {})],
    ),
    (
        "k-accepted",
        "kagoshima.center.staff",
        "kagoshima.saposute",
        "consent",
        ["identity", "contact", "history"],
        "センターでの個別相談を経て、職場見学に進みたいとの希望。就労準備支援をお願いします。",
        [
            ("view", "kagoshima.saposute.staff", {}),
            (
                "message",
                "kagoshima.saposute.staff",
                {"body": "来週火曜の午後に初回面談を設定できます。"},
            ),
            (
                "message",
                "kagoshima.center.staff",
                {"body": "ありがとうございます。本人に伝えます。"},
            ),
            ("accept", "kagoshima.saposute.staff", {}),
        ],
    ),
    (
        "k-completed",
        "kagoshima.center.staff",
        "kagoshima.saposute",
        "consent",
        ["identity", "history", "support_record"],
        "カントリーワークへの参加を希望しています。",
        [
            ("view", "kagoshima.saposute.coordinator", {}),
            ("accept", "kagoshima.saposute.coordinator", {}),
            (
                "complete",
                "kagoshima.saposute.coordinator",
                {
                    "outcome": "got_help",
                    "outcome_note": "農業の体験就労に3日間参加し、求職活動を始めました。",
                },
            ),
        ],
    ),
    (
        "k-declined",
        "kagoshima.saposute.staff",
        "kagoshima.center",
        "consent",
        ["identity", "history"],
        "医療機関との連携が必要と思われるため、センターでの相談をお願いします。",
        [
            ("view", "kagoshima.center.staff", {}),
            (
                "decline",
                "kagoshima.center.staff",
                {
                    "reason_code": "out_of_scope",
                    "reason": "まず主治医と相談のうえ、改めてご連絡ください。",
                },
            ),
        ],
    ),
    (
        "k-withdrawn",
        "kagoshima.saposute.staff",
        "kagoshima.center",
        "consent",
        ["identity"],
        "グループ活動への参加を検討中。",
        [
            (
                "withdraw",
                "kagoshima.saposute.staff",
                {"reason_code": "person_request", "reason": "本人がもう少し考えたいとのこと。"},
            )
        ],
    ),
    (
        "k-exception",
        "kagoshima.saposute.coordinator",
        "kagoshima.center",
        "exception",
        ["identity", "contact"],
        "面談中に強い希死念慮の訴えあり。本人の同意を得る余裕がなく、至急の対応をお願いします。",
        [("view", "kagoshima.center.staff", {})],
    ),
    (
        "y-anonymous",
        "yamanashi.line.staff",
        "yamanashi.center",
        "anonymous",
        [],
        "LINE相談（匿名）。40代男性、10年以上外出なし。センターの集団プログラムの案内を希望。",
        [("view", "yamanashi.center.staff", {})],
    ),
    (
        "y-decline-requested",
        "yamanashi.family.volunteer",
        "yamanashi.saposute",
        "consent",
        ["identity", "history"],
        "家族会の個別相談から。本人が短時間の仕事を探したいと話している。",
        [
            ("view", "yamanashi.saposute.staff", {}),
            (
                "decline",
                "yamanashi.saposute.staff",
                {
                    "reason_code": "no_capacity",
                    "reason": "今月は新規面談の枠が埋まっています。",
                },
            ),
        ],
    ),
    (
        "y-accepted",
        "yamanashi.center.staff",
        "yamanashi.saposute",
        "consent",
        ["identity", "contact", "history"],
        "集団プログラムを修了し、就労への意欲が高まっています。",
        [("view", "yamanashi.saposute.staff", {}), ("accept", "yamanashi.saposute.staff", {})],
    ),
    (
        "y-due-today",
        "yamanashi.line.staff",
        "yamanashi.saposute",
        "anonymous",
        [],
        "LINE相談（匿名）。30代女性、短時間の就労体験に関心あり。回答は本日中にお願いします。",
        [],
    ),
]


def _today_jst() -> str:
    return datetime.now(JST).date().isoformat()


def _retrying(call: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    """A new org or consent takes a moment to reach each service's directory: 422 until then."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except ApiFailure as failure:
            if failure.response.status != 422 or time.monotonic() > deadline:
                log.warning("demo referral step failed", extra={"step": what})
                raise
            time.sleep(1.0)


def _case_of(ctx: DemoContext, client: GatewayClient, org: str, used: set[str]) -> str:
    """A case of ``org`` from the cases seeder not yet referred, or a new one."""
    for key, entry in ctx.shared.get("cases", {}).items():
        if entry.get("org") == org and entry["id"] not in used and not key.endswith("closed"):
            used.add(entry["id"])
            return str(entry["id"])
    first = {
        "channel": "phone",
        "by": "family",
        "occurred_at": (datetime.now(JST) - timedelta(days=20)).isoformat(),
        "summary": "家族から相談",
    }
    case = client.post("/cases", {"person": PEOPLE[org], "first_contact": first})
    used.add(str(case["id"]))
    return str(case["id"])


def _consent(
    ctx: DemoContext, client: GatewayClient, case_id: str, to: str, categories: list[str]
) -> str:
    body = {
        "to_org_ids": [ctx.orgs[to]],
        "categories": categories,
        "method": "written",
        "given_by": "self",
        "obtained_at": (datetime.now(JST) - timedelta(days=3)).date().isoformat(),
    }
    consent = _retrying(lambda: client.post(f"/cases/{case_id}/consents", body), "consent")
    return str(consent["id"])


def _act(ctx: DemoContext, referral_id: str, step: tuple[str, str, dict[str, Any]]) -> None:
    action, user, body = step
    client = ctx.as_user(user)
    if action == "view":
        client.get(f"/referrals/{referral_id}")
    elif action == "message":
        client.post(f"/referrals/{referral_id}/messages", body)
    else:
        client.post(f"/referrals/{referral_id}/{action}", body)


def _send(client: GatewayClient, body: dict[str, Any], key: str) -> str:
    referral = _retrying(lambda: client.post("/referrals", body), key)
    return str(referral["id"])


def seed(ctx: DemoContext) -> None:
    yamanashi_admin = ctx.as_user("yamanashi.center.admin")
    yamanashi_admin.put("/referral-policy", {"decline_requires_center_confirmation": True})
    made: dict[str, str] = ctx.shared.setdefault("referrals", {})
    used: set[str] = set()
    for key, user, to, basis, categories, reason, steps in REFERRALS:
        client = ctx.as_user(user)
        org = user.rsplit(".", 1)[0]
        case_id = _case_of(ctx, client, org, used)
        body: dict[str, Any] = {
            "case_id": case_id,
            "to_org_id": ctx.orgs[to],
            "reason": reason,
            "categories": categories,
            "urgency": "urgent" if key.endswith("urgent") or basis == "exception" else "normal",
        }
        if basis == "consent":
            body["consent_id"] = _consent(ctx, client, case_id, to, categories)
        elif basis == "exception":
            body["exception"] = {
                "code": "life_body_property",
                "reason": "自傷の恐れがあり、本人の同意を得る時間がないため。",
            }
        else:
            body["anonymous"] = True
            body["obtained_via"] = "consultation"
        if key == "y-due-today":
            body["respond_by"] = _today_jst()
        made[key] = _send(client, body, key)
        for step in steps:
            _act(ctx, made[key], step)
