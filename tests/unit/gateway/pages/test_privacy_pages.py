"""The org admin's privacy pages (in process, with fake services): data retention — the
policy form and the dry run of what the retention job removes next."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.unit.gateway.pages import data
from tests.unit.gateway.pages.harness import FakeServices, html, problem, sign_in, visible_text


def _policy(years: int | None) -> dict[str, Any]:
    return {"closed_case_years": years, "minimum_years": 5, "maximum_years": 30}


def _script_retention(services: FakeServices, years: int | None = 5) -> str:
    case_id = data.new_id()
    services.cases.on(
        "GET",
        "/cases/retention/due",
        {
            "policy": _policy(years),
            "as_of": data.NOW,
            "items": [
                {
                    "case_id": case_id,
                    "display_name": "期限 一郎",
                    "closed_at": "2020-03-31T03:00:00+00:00",
                    "close_reason_code": "path_decided",
                    "due_at": "2025-03-31T03:00:00+00:00",
                }
            ],
            "truncated": False,
        },
    )
    services.referrals.on(
        "GET",
        "/reports/provision-ledger/due",
        {
            "as_of": "2026-12-04",
            "items": [
                {
                    "id": data.new_id(),
                    "date": "2023-11-30",
                    "counterparty": {"name": "やまなし若者サポートステーション"},
                    "retain_until": "2026-11-30",
                }
            ],
            "truncated": False,
        },
    )
    return case_id


def test_the_org_admin_sees_the_policy_and_what_the_next_run_removes(
    app: Flask, services: FakeServices
) -> None:
    admin = sign_in(app, services, role="org_admin")
    case_id = _script_retention(services)
    page = admin.get("/cases/retention")
    assert page.status_code == 200
    text = visible_text(page)
    assert "保存期間の管理" in text
    assert "期限 一郎" in text
    assert "2025/03/31" in text
    assert "やまなし若者サポートステーション" in text
    assert "2026/11/30" in text
    assert f"/cases/{case_id}" in html(page)
    assert case_id not in text


def test_a_policy_below_the_minimum_is_refused_in_place(app: Flask, services: FakeServices) -> None:
    admin = sign_in(app, services, role="org_admin")
    _script_retention(services, years=None)
    services.cases.on(
        "PUT",
        "/cases/retention/policy",
        problem(
            422,
            "validation_failed",
            [{"field": "closed_case_years", "code": "below_legal_minimum"}],
        ),
    )
    refused = admin.post("/cases/retention", {"closed_case_years": "３"})
    assert refused.status_code == 422
    assert "終結したケースは最低限の年数以上保存してください。" in visible_text(refused)
    assert services.cases.last("PUT", "/cases/retention/policy").body == {"closed_case_years": 3}
    services.cases.on("PUT", "/cases/retention/policy", _policy(7))
    saved = admin.post("/cases/retention", {"closed_case_years": "7"})
    assert saved.status_code == 302


def test_staff_cannot_open_the_retention_page(app: Flask, services: FakeServices) -> None:
    staff = sign_in(app, services, role="staff")
    assert staff.get("/cases/retention").status_code == 403
    assert not services.cases.calls("GET", "/cases/retention/due")


def _disclosure(org_id: str, case_id: str) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "org_id": org_id,
        "prepared_at": data.NOW,
        "person": {
            "display_name": "開示 太郎",
            "kana": "かいじ たろう",
            "birth_year": 1985,
            "gender": "male",
            "municipality": "甲府市",
            "phone": "090-0000-0000",
            "email": None,
            "address": None,
        },
        "case": {"stage": "experience", "opened_at": data.NOW, "closed_at": None},
        "contacts": [
            {"occurred_at": data.NOW, "channel": "phone", "by": "family", "summary": "母より"}
        ],
        "activities": [],
        "outcomes": [],
        "notes": [{"recorded_at": data.NOW, "category": "illness", "body": "通院中"}],
        "consents": [],
        "provisions": [
            {
                "direction": "sent",
                "counterpart": {
                    "name": "やまなし若者サポートステーション",
                    "address": "山梨県甲府市丸の内",
                    "representative": "理事長 山梨 花子",
                },
                "categories": ["attributes", "identity"],
                "basis": "consent",
                "consent_given_by": "legal_representative",
                "at": data.NOW,
            }
        ],
    }


def test_the_disclosure_page_prints_everything_held_with_the_provisions(
    app: Flask, services: FakeServices
) -> None:
    admin = sign_in(app, services, role="org_admin")
    org_id, case_id = str(admin.principal.org_id), data.new_id()
    services.cases.on("GET", "/cases/{id}/disclosure", _disclosure(org_id, case_id))
    services.auth.on("GET", "/directory", data.directory((org_id, "かごしまサポステ")))
    page = admin.get(f"/cases/{case_id}/disclosure")
    assert page.status_code == 200
    text = visible_text(page)
    for expected in (
        "保有個人データの開示",
        "開示 太郎",
        "090-0000-0000",
        "母より",
        "通院中",
        "やまなし若者サポートステーション",
        "山梨県甲府市丸の内",
        "理事長 山梨 花子",
        "法定代理人の同意",
    ):
        assert expected in text, expected
    assert case_id not in text


def test_staff_cannot_open_a_disclosure(app: Flask, services: FakeServices) -> None:
    staff = sign_in(app, services, role="staff")
    assert staff.get(f"/cases/{data.new_id()}/disclosure").status_code == 403
    assert not services.cases.calls("GET", "/cases/{id}/disclosure")


def test_another_tenants_case_has_no_disclosure_page(app: Flask, services: FakeServices) -> None:
    admin = sign_in(app, services, role="org_admin")
    services.cases.on("GET", "/cases/{id}/disclosure", problem(404, "not_found"))
    assert admin.get(f"/cases/{data.new_id()}/disclosure").status_code == 404


def test_erasure_asks_first_with_a_reason_then_erases(app: Flask, services: FakeServices) -> None:
    admin = sign_in(app, services, role="org_admin")
    found = data.case(str(admin.principal.org_id))
    services.cases.on("GET", "/cases/{id}", found)
    services.cases.on("POST", "/cases/{id}/erase", {"case_id": found["id"]})
    url = f"/cases/{found['id']}/erase"
    asked = admin.get(url)
    assert asked.status_code == 200
    assert "この本人の情報を消去しますか？" in visible_text(asked)
    assert "報告の集計値は変わりません" in visible_text(asked)
    empty = admin.post(url, {"reason": "", "confirmed": "yes"})
    assert empty.status_code == 422
    assert "消去の理由を入力してください。" in visible_text(empty)
    assert not services.cases.calls("POST", "/cases/{id}/erase")
    done = admin.post(url, {"reason": "本人からの申し出（電話）", "confirmed": "yes"})
    assert done.status_code == 302
    assert services.cases.last("POST", "/cases/{id}/erase").body == {
        "reason": "本人からの申し出（電話）"
    }


def test_staff_cannot_erase(app: Flask, services: FakeServices) -> None:
    staff = sign_in(app, services, role="staff")
    assert (
        staff.post(f"/cases/{data.new_id()}/erase", {"reason": "x", "confirmed": "yes"}).status_code
        == 403
    )
    assert not services.cases.calls("POST", "/cases/{id}/erase")


def test_the_org_admin_edits_the_sensitive_terms_one_per_line(
    app: Flask, services: FakeServices
) -> None:
    admin = sign_in(app, services, role="org_admin")
    services.cases.on(
        "GET", "/cases/sensitive-terms", {"defaults": ["通院", "診断"], "terms": ["生活保護"]}
    )
    page = admin.get("/cases/sensitive-terms")
    assert page.status_code == 200
    text = visible_text(page)
    assert "要配慮個人情報の語の辞書" in text
    assert "通院" in text
    assert "生活保護" in html(page)
    services.cases.on(
        "PUT",
        "/cases/sensitive-terms",
        problem(422, "validation_failed", [{"field": "terms.1", "code": "string_too_long"}]),
    )
    refused = admin.post("/cases/sensitive-terms", {"terms": "生活保護\n" + "長" * 60})
    assert refused.status_code == 422
    assert "長" * 60 in html(refused)  # what was typed stays
    services.cases.on("PUT", "/cases/sensitive-terms", {"defaults": [], "terms": []})
    saved = admin.post("/cases/sensitive-terms", {"terms": " 生活保護 \n\n借金\n"})
    assert saved.status_code == 302
    assert services.cases.last("PUT", "/cases/sensitive-terms").body == {
        "terms": ["生活保護", "借金"]
    }


def test_staff_cannot_edit_the_sensitive_terms(app: Flask, services: FakeServices) -> None:
    staff = sign_in(app, services, role="staff")
    assert staff.post("/cases/sensitive-terms", {"terms": "x"}).status_code == 403
    assert not services.cases.calls("PUT", "/cases/sensitive-terms")
