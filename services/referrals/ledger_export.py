"""The provision ledger (第三者提供記録簿) as a file: CSV (UTF-8 with BOM, so Excel in Japan
opens it right) or XLSX. Columns follow APPI arts. 29/30: date, counterparty, the person,
the data items, the basis (consent or exception), and how the provider obtained the data."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from common import exports

COLUMNS: Sequence[tuple[str, str]] = (
    ("record_id", "記録ID"),
    ("direction", "区分"),
    ("date", "年月日"),
    ("counterparty_name", "相手方（提供先・提供元）"),
    ("counterparty_org_id", "相手方ID"),
    ("counterparty_address", "相手方の住所"),
    ("counterparty_representative", "相手方の代表者"),
    ("person", "本人を特定する事項"),
    ("data_items", "個人データの項目"),
    ("basis", "提供の根拠"),
    ("consent_id", "同意ID"),
    ("exception", "例外事由・理由"),
    ("support_meeting", "支援会議（根拠法・設置者・開催日・構成員）"),
    ("obtained_via", "提供元の取得の経緯"),
    ("referral_id", "紹介ID"),
    ("recorded_at", "記録日時（日本時間）"),
    ("retain_until", "保存期限"),
)

DIRECTION_LABELS = {"provided": "提供（第29条）", "received": "受領（第30条）"}
BASIS_LABELS = {
    "consent": "本人の同意",
    "exception": "法令に基づく例外",
    "support_meeting": "支援会議での情報共有（法令に基づく場合）",
    "anonymous": "匿名（個人を特定しない）",
}
CONSENT_LABELS = {
    "self": "本人の同意",
    "legal_representative": "法定代理人の同意",
    "guardian": "法定代理人の同意",
}
"""Who consented, as the ledger says it. A family member's consent never allows a
provision, and nothing here would call one 本人の同意."""
REPRESENTATIVE_LABELS = {"minor": "未成年者の親権者", "guardianship": "成年後見人"}
MEETING_LAW_LABELS = {
    "seikatsu_konkyu_9": "生活困窮者自立支援法第9条",
    "shakai_fukushi_106_6": "社会福祉法第106条の6",
}
ITEM_LABELS = {
    "attributes": "年代・性別",
    "identity": "氏名・かな・生年・市町村",
    "contact": "連絡先",
    "history": "相談の経過",
    "support_record": "支援の記録",
    "sensitive": "要配慮個人情報",
}
EXCEPTION_LABELS = {
    "life_body_property": "人の生命・身体・財産の保護",
    "public_health_child": "公衆衛生の向上・児童の健全育成",
    "public_body_cooperation": "国の機関等への協力",
}
OBTAINED_LABELS = {
    "consultation": "本人・家族からの相談の過程で取得",
    "family_consultation": "家族からの相談で取得",
    "outreach": "アウトリーチ・訪問の過程で取得",
    "referral": "他の支援機関からの紹介で取得",
    "other": "その他",
}


def ledger_row(record: Mapping[str, Any]) -> dict[str, str]:
    """One record (as the JSON answer shapes it) in the ledger's printed words."""
    person = f"本人キー {record['person_key']}"
    if record.get("case_id"):
        person = f"ケースID {record['case_id']} / " + person
    exception = ""
    if record.get("exception_code"):
        code = record["exception_code"]
        exception = f"{EXCEPTION_LABELS.get(code, code)}：{record.get('exception_reason') or ''}"
    obtained = record.get("obtained_via")
    counterparty = record["counterparty"]
    return {
        "record_id": record["id"],
        "direction": DIRECTION_LABELS.get(record["direction"], record["direction"]),
        "date": record["date"],
        "counterparty_name": record["counterparty"]["name"],
        "counterparty_org_id": counterparty["id"],
        "counterparty_address": counterparty.get("address") or "",
        "counterparty_representative": counterparty.get("representative") or "",
        "person": person,
        "data_items": "、".join(ITEM_LABELS.get(i, i) for i in record["data_items"]),
        "basis": basis_label(record),
        "consent_id": record.get("consent_id") or "",
        "exception": exception,
        "support_meeting": meeting_label(record.get("support_meeting")),
        "obtained_via": OBTAINED_LABELS.get(obtained, obtained) if obtained else "",
        "referral_id": record["referral_id"],
        "recorded_at": exports.jst_text(record["recorded_at"]),
        "retain_until": record["retain_until"],
    }


def basis_label(record: Mapping[str, Any]) -> str:
    """The basis in words; a consent says who gave it (本人 or 法定代理人 with the basis)."""
    basis = record["basis"]
    if basis != "consent":
        return BASIS_LABELS.get(basis, basis)
    giver = record.get("consent_given_by")
    label = CONSENT_LABELS.get(giver or "", "同意（同意者の記録なし）")
    representation = record.get("representative_basis")
    if representation:
        label += f"（{REPRESENTATIVE_LABELS.get(representation, representation)}）"
    return label


def meeting_label(meeting: Mapping[str, Any] | None) -> str:
    if not meeting:
        return ""
    members = "、".join(
        str(m.get("name") or m.get("id")) for m in meeting.get("members") or []
    ) or "、".join(meeting.get("member_org_ids") or [])
    law = MEETING_LAW_LABELS.get(meeting.get("law", ""), meeting.get("law", ""))
    parts = (
        law,
        f"設置：{meeting.get('constituted_by', '')}",
        f"開催日：{meeting.get('held_on', '')}",
        f"構成員：{members}",
    )
    return "／".join(parts)


def to_csv(records: Iterable[Mapping[str, Any]]) -> bytes:
    return exports.to_csv(_header(), _rows(records))


def to_xlsx(records: Iterable[Mapping[str, Any]], title: str = "第三者提供記録簿") -> bytes:
    widths = (38, 14, 12, 30, 38, 40, 20, 60, 40, 22, 38, 40, 60, 30, 38, 28, 12)
    return exports.to_xlsx(_header(), _rows(records), title=title, widths=widths)


def _header() -> list[str]:
    return [label for _, label in COLUMNS]


def _rows(records: Iterable[Mapping[str, Any]]) -> Iterator[list[Any]]:
    for record in records:
        row = ledger_row(record)
        yield [row[key] for key, _ in COLUMNS]
