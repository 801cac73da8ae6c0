"""The administration pages touched by issue 13 and 12, in process with a fake auth service:
inviting (the link only for the org's own admin, a refusal explained), who added each
person, the missing address and representative, and the consortium admins' own log."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.unit.gateway.pages import data
from tests.unit.gateway.pages.harness import FakeServices, problem, sign_in, visible_text


def an_org(org_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": org_id,
        "consortium_id": data.new_id(),
        "name": "かごしまサポステ",
        "kind": "support_station",
        "sector": "private",
        "address": None,
        "representative": None,
        "status": "active",
        "status_reason": None,
        "mfa_required": False,
    } | extra


def a_person(**extra: Any) -> dict[str, Any]:
    return {
        "id": data.new_id(),
        "email": "yamashita@example.jp",
        "name": "山下 健",
        "org_id": None,
        "role": "staff",
        "roles": ["staff"],
        "active": True,
        "status": "active",
        "added_by": None,
    } | extra


def org_pages(services: FakeServices, org: dict[str, Any], people: list[dict[str, Any]]) -> None:
    services.auth.on("GET", "/organizations/{id}", org)
    services.auth.on("GET", "/organizations/{id}/users", data.page(people))


def test_an_org_admin_sees_who_added_each_person_and_is_asked_for_address_and_representative(
    app: Flask, services: FakeServices
) -> None:
    admin = sign_in(app, services, role="org_admin")
    org_id = str(admin.principal.org_id)
    center = data.new_id()
    people = [
        a_person(
            added_by={
                "id": data.new_id(),
                "name": "西 直子",
                "role": "consortium_admin",
                "org_id": center,
                "org_name": "鹿児島県ひきこもり地域支援センター",
            }
        ),
        a_person(email="tanaka@example.jp", name="田中 恵子"),
    ]
    org_pages(services, an_org(org_id), people)
    page = visible_text(admin.get(f"/admin/organizations/{org_id}"))
    assert "追加した人" in page
    assert "西 直子（鹿児島県ひきこもり地域支援センター）" in page
    assert "所在地と代表者を入力してください" in page

    org_pages(services, an_org(org_id, address="鹿児島市", representative="理事長"), people)
    assert "所在地と代表者を入力してください" not in visible_text(
        admin.get(f"/admin/organizations/{org_id}")
    )


def test_a_consortium_admin_inviting_is_told_the_mail_went_and_sees_no_link(
    app: Flask, services: FakeServices
) -> None:
    center = sign_in(app, services, role="consortium_admin", kind="prefectural_center")
    org_id = data.new_id()
    org_pages(services, an_org(org_id), [])
    services.auth.on(
        "POST",
        "/organizations/{id}/users",
        (
            201,
            a_person(
                email="first@member.example",
                role="org_admin",
                status="invited",
                invitation={
                    "sent_to": "first@member.example",
                    "expires_at": "2026-12-11T09:00:00+00:00",
                },
            ),
        ),
    )
    answer = center.post(
        f"/admin/organizations/{org_id}/users",
        {
            "name": "小林 大輔",
            "email": "first@member.example",
            "role": "org_admin",
        },
    )
    assert answer.status_code == 201
    text = visible_text(answer)
    assert "招待メールを送信しました。" in text
    assert "/invitations/" not in answer.get_data(as_text=True)


def test_a_refused_invitation_is_explained_and_keeps_what_was_typed(
    app: Flask, services: FakeServices
) -> None:
    center = sign_in(app, services, role="consortium_admin", kind="prefectural_center")
    org_id = data.new_id()
    org_pages(services, an_org(org_id), [a_person(role="org_admin")])
    services.auth.on("POST", "/organizations/{id}/users", problem(403, "not_your_org"))
    answer = center.post(
        f"/admin/organizations/{org_id}/users",
        {
            "name": "偽の職員",
            "email": "planted@center.example",
            "role": "staff",
        },
    )
    assert answer.status_code == 422
    assert "団体管理者が登録済みの団体では" in visible_text(answer)
    assert 'value="planted@center.example"' in answer.get_data(as_text=True)


def test_the_consortium_log_shows_names_and_japanese_actions(
    app: Flask, services: FakeServices
) -> None:
    center = sign_in(app, services, role="consortium_admin", kind="prefectural_center")
    consortium_id = str(center.principal.consortium_id)
    services.auth.on(
        "GET", "/consortia/{id}", {"id": consortium_id, "name": "鹿児島県コンソーシアム"}
    )
    entry = {
        "id": data.new_id(),
        "occurred_at": "2026-12-04T03:00:00+00:00",
        "action": "org.suspend",
        "purpose": "会費未納",
        "actor_name": "西 直子",
        "actor_org_name": "鹿児島県ひきこもり地域支援センター",
        "org_name": "鹿児島家族会",
    }
    services.auth.on("GET", "/consortia/{id}/audit", data.page([entry]))
    page = visible_text(center.get(f"/admin/consortia/{consortium_id}/log"))
    assert "コンソーシアムの管理記録" in page
    assert "西 直子（鹿児島県ひきこもり地域支援センター）" in page
    assert "鹿児島家族会" in page
    assert "会費未納" in page
    assert "org.suspend" not in page
    assert "2026" in page


def test_another_consortiums_log_is_not_found(app: Flask, services: FakeServices) -> None:
    center = sign_in(app, services, role="consortium_admin", kind="prefectural_center")
    services.auth.on("GET", "/consortia/{id}", problem(404, "not_found"))
    assert center.get(f"/admin/consortia/{data.new_id()}/log").status_code == 404
