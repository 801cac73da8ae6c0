"""Two consortia like the two programmes Tsunagu was designed from, and their people."""

from __future__ import annotations

from common.mail import links_in, maildir_path, wait_for_mail
from tsunagu.demo.context import DemoContext

# key, name, prefecture
CONSORTIA = [
    ("kagoshima", "鹿児島県就職氷河期世代支援コンソーシアム", "鹿児島県"),
    ("yamanashi", "山梨県ひきこもり支援コンソーシアム", "山梨県"),
]

# key, consortium, name, kind, sector, address, representative
ORGS = [
    (
        "kagoshima.saposute",
        "kagoshima",
        "かごしま地域若者サポートステーション",
        "support_station",
        "private",
        "鹿児島県鹿児島市山下町",
        "NPO法人 かごしま若者支援機構",
    ),
    (
        "kagoshima.center",
        "kagoshima",
        "鹿児島県ひきこもり地域支援センター",
        "prefectural_center",
        "public",
        "鹿児島県鹿児島市郡元",
        "鹿児島県",
    ),
    (
        "kagoshima.family",
        "kagoshima",
        "鹿児島家族会「つばさ」",
        "family_association",
        "private",
        "鹿児島県霧島市",
        "会長 東 正子",
    ),
    (
        "yamanashi.center",
        "yamanashi",
        "山梨県ひきこもり地域支援センター",
        "prefectural_center",
        "public",
        "山梨県甲府市北新",
        "山梨県",
    ),
    (
        "yamanashi.line",
        "yamanashi",
        "NPO法人 やまなしLINE相談ネット",
        "npo",
        "private",
        "山梨県甲府市丸の内",
        "理事長 望月 里美",
    ),
    (
        "yamanashi.family",
        "yamanashi",
        "山梨県ひきこもり家族会連合会",
        "family_association",
        "private",
        "山梨県笛吹市",
        "会長 雨宮 茂",
    ),
    (
        "yamanashi.saposute",
        "yamanashi",
        "やまなし若者サポートステーション",
        "support_station",
        "private",
        "山梨県甲府市",
        "NPO法人 やまなし就労支援ネット",
    ),
]

# key, org, name, email, role
USERS = [
    (
        "kagoshima.saposute.admin",
        "kagoshima.saposute",
        "田中 恵子",
        "tanaka@kagoshima-saposute.example",
        "org_admin",
    ),
    (
        "kagoshima.saposute.staff",
        "kagoshima.saposute",
        "山下 健",
        "yamashita@kagoshima-saposute.example",
        "staff",
    ),
    (
        "kagoshima.saposute.coordinator",
        "kagoshima.saposute",
        "中村 由美",
        "nakamura@kagoshima-saposute.example",
        "staff",
    ),
    (
        "kagoshima.center.admin",
        "kagoshima.center",
        "西 直子",
        "nishi@kagoshima-center.example",
        "consortium_admin",
    ),
    (
        "kagoshima.center.staff",
        "kagoshima.center",
        "有村 誠",
        "arimura@kagoshima-center.example",
        "staff",
    ),
    (
        "kagoshima.family.volunteer",
        "kagoshima.family",
        "上村 和子",
        "kamimura@kagoshima-family.example",
        "volunteer",
    ),
    (
        "yamanashi.center.admin",
        "yamanashi.center",
        "望月 聡",
        "mochizuki@yamanashi-center.example",
        "consortium_admin",
    ),
    (
        "yamanashi.center.staff",
        "yamanashi.center",
        "雨宮 春香",
        "amemiya@yamanashi-center.example",
        "staff",
    ),
    (
        "yamanashi.line.admin",
        "yamanashi.line",
        "小林 大輔",
        "kobayashi@yamanashi-line.example",
        "org_admin",
    ),
    (
        "yamanashi.line.staff",
        "yamanashi.line",
        "深沢 美咲",
        "fukasawa@yamanashi-line.example",
        "staff",
    ),
    (
        "yamanashi.family.volunteer",
        "yamanashi.family",
        "保坂 茂",
        "hosaka@yamanashi-family.example",
        "volunteer",
    ),
    (
        "yamanashi.saposute.staff",
        "yamanashi.saposute",
        "清水 翔",
        "shimizu@yamanashi-saposute.example",
        "staff",
    ),
]

ROLE_LABELS = {
    "org_admin": "団体管理者",
    "staff": "相談員",
    "volunteer": "ボランティア",
    "consortium_admin": "コンソーシアム管理者",
}


def seed_identity(ctx: DemoContext) -> None:
    admin = ctx.admin()
    for key, name, prefecture in CONSORTIA:
        ctx.consortia[key] = admin.post("/consortia", {"name": name, "prefecture": prefecture})[
            "id"
        ]
    org_names = {}
    for key, consortium, name, kind, sector, address, representative in ORGS:
        body = {
            "consortium_id": ctx.consortia[consortium],
            "name": name,
            "kind": kind,
            "sector": sector,
            "address": address,
            "representative": representative,
        }
        ctx.orgs[key] = admin.post("/organizations", {k: v for k, v in body.items() if v})["id"]
        org_names[key] = name
    # Everyone is invited before anyone joins: the platform admin may add people to an
    # organization only until its first admin is active. Each person then joins from
    # the link in their e-mail, as people do.
    for _key, org, name, email, role in USERS:
        admin.post(
            f"/organizations/{ctx.orgs[org]}/users", {"email": email, "name": name, "role": role}
        )
    maildir = maildir_path(ctx.settings.mail_url)
    if maildir is None:
        raise RuntimeError("the demo reads invitations from a Maildir: unset TSUNAGU_MAIL_URL")
    for key, org, _name, email, role in USERS:
        [message] = wait_for_mail(maildir, email, timeout=60)
        link = next(u for u in links_in(message) if "/invitations/" in u)
        token = link.rsplit("/", 1)[1]
        ctx.new_client().post(f"/invitations/{token}/accept", {"password": ctx.password})
        ctx.logins[key] = {"email": email, "org": org_names[org], "role": ROLE_LABELS[role]}
