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
