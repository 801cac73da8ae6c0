"""Issue 2 in a real browser: sign in, register an org, invite a user — in Japanese."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from common.mail import links_in, wait_for_mail
from tests.browser.conftest import shot
from tests.e2e.stack import ADMIN_EMAIL, ADMIN_PASSWORD, Stack

pytestmark = pytest.mark.browser


def sign_in(page: Any, stack: Stack, email: str, password: str) -> None:
    page.goto(stack.url() + "/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()


def test_the_platform_admin_registers_an_org_and_invites_its_first_admin(
    page: Any, stack: Stack
) -> None:
    sign_in(page, stack, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.get_by_role("link", name="コンソーシアム").first.click()
    shot(page, "admin-01-consortia")
    name = f"山梨県ひきこもり支援コンソーシアム {secrets.token_hex(2)}"
    page.get_by_label("名前").fill(name)
    page.get_by_label("都道府県").fill("山梨県")
    page.get_by_role("button", name="コンソーシアムを作成").click()
    assert page.get_by_text("コンソーシアムを作成しました。").is_visible()

    register = page.locator("form[action$='/admin/organizations#register']")
    register.get_by_label("名前").fill("NPO法人 やまなしLINE相談ネット")
    register.get_by_label("種別").select_option("npo")
    register.get_by_role("button", name="登録", exact=True).click()
    assert page.get_by_text("団体を登録しました。").is_visible()
    shot(page, "admin-02-organization")

    invite = page.locator("form[action$='/users#invite']")
    invite.get_by_label("名前").fill("小林 大輔")
    email = f"kobayashi-{secrets.token_hex(3)}@e2e.example"
    invite.get_by_label("メールアドレス").fill(email)
    invite.get_by_label("役割").select_option("org_admin")
    invite.get_by_role("button", name="招待を作成").click()
    shot(page, "admin-03-invitation")
    # The platform admin never sees the link: it reaches the invitee by e-mail only.
    assert "/invitations/" not in page.content()
    url = next(
        u
        for u in links_in(wait_for_mail(stack.workdir / "data" / "mail", email)[-1])
        if "/invitations/" in u
    )

    page.get_by_role("button", name="ログアウト").first.click()
    page.goto(url.replace(stack.env.get("TSUNAGU_PUBLIC_URL", stack.url()), stack.url()))
    page.get_by_label("パスワードを決める").fill("富士山の麓で朝の散歩をする")
    page.get_by_label("パスワード（確認）").fill("富士山の麓で朝の散歩をする")
    page.get_by_role("button", name="パスワードを設定して参加").click()
    assert page.get_by_text("つなぐへようこそ").is_visible()


def test_the_sign_in_page_works_on_a_phone_and_from_the_keyboard(page: Any, stack: Stack) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(stack.url() + "/login")
    # The email field has the focus on arrival: a person can type at once.
    assert page.evaluate("document.activeElement.name") == "email"
    page.keyboard.type(ADMIN_EMAIL)
    page.keyboard.press("Tab")
    page.keyboard.type(ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(stack.url() + "/")
    page.keyboard.press("Tab")  # the first stop on every page skips the navigation
    focused = page.evaluate("[document.activeElement.tagName, document.activeElement.className]")
    assert focused == ["A", "skip-link"], focused
    assert page.get_by_text("メニュー").is_visible()  # the narrow menu replaces the wide one
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "the page scrolls sideways on a phone"
    shot(page, "phone-home")


def test_a_wrong_password_is_explained_in_japanese(page: Any, stack: Stack) -> None:
    sign_in(page, stack, ADMIN_EMAIL, "not the right password")
    assert (
        page.get_by_role("alert").inner_text()
        == "メールアドレスまたはパスワードが正しくありません。"
    )
