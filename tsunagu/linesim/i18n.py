"""The simulator page's words, Japanese first and English second.

Kept here rather than in gateway/translations: the simulator is a developer and demo tool
outside the portal, and its few words travel with it. The page picks ``?lang=`` or the
browser's preferred language."""

from __future__ import annotations

from flask import request

TEXT: dict[str, dict[str, str]] = {
    "title": {"ja": "LINE シミュレーター", "en": "LINE simulator"},
    "lead": {
        "ja": "LINE ユーザーになって、友だち追加・メッセージ送信・ブロックを試せます。"
        "操作は署名付き Webhook として送られます。",
        "en": "Act as LINE users: add the bot as a friend, write, block. "
        "Each action is sent as a signed webhook.",
    },
    "webhook": {"ja": "Webhook 送信先", "en": "Webhook URL"},
    "quota": {"ja": "今月の送信数 / 上限", "en": "Pushes this month / limit"},
    "rate_limited": {"ja": "レート制限（429）を返す", "en": "Answer with rate limit (429)"},
    "users": {"ja": "LINE ユーザー", "en": "LINE users"},
    "new_user": {"ja": "ユーザーを追加", "en": "Add a user"},
    "display_name": {"ja": "表示名", "en": "Display name"},
    "add": {"ja": "追加", "en": "Add"},
    "follow": {"ja": "友だち追加", "en": "Add friend"},
    "unblock": {"ja": "ブロック解除", "en": "Unblock"},
    "block": {"ja": "ブロック", "en": "Block"},
    "friend": {"ja": "友だち", "en": "friend"},
    "blocked": {"ja": "ブロック中", "en": "blocked"},
    "none": {"ja": "未追加", "en": "not a friend"},
    "write": {"ja": "メッセージを入力", "en": "Write a message"},
    "send": {"ja": "送信", "en": "Send"},
    "sticker": {"ja": "スタンプ", "en": "Sticker"},
    "image": {"ja": "画像", "en": "Image"},
    "unsend": {"ja": "送信取消", "en": "Unsend"},
    "unsent": {"ja": "メッセージの送信を取り消しました", "en": "Message unsent"},
    "redeliver": {"ja": "再送", "en": "Redeliver"},
    "typing": {"ja": "入力中…", "en": "Typing…"},
    "read": {"ja": "既読", "en": "Read"},
    "not_delivered": {"ja": "（ブロック中のため届いていません）", "en": "(not delivered: blocked)"},
    "via_reply": {"ja": "応答", "en": "reply"},
    "via_push": {"ja": "プッシュ", "en": "push"},
    "deliveries": {"ja": "送った Webhook", "en": "Webhooks sent"},
    "status": {"ja": "HTTP", "en": "HTTP"},
    "failed": {"ja": "送信失敗", "en": "failed"},
    "choose_user": {"ja": "左からユーザーを選んでください。", "en": "Choose a user on the left."},
    "error": {"ja": "エラー", "en": "Error"},
    "language": {"ja": "English", "en": "日本語"},
}

LANGUAGES = ("ja", "en")


def page_language() -> str:
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default="ja") or "ja"


def words(language: str) -> dict[str, str]:
    return {key: texts[language] for key, texts in TEXT.items()}
