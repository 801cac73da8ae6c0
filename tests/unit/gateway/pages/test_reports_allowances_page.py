"""The allowance ledger page: per member and per person (a short key, never a name or a
bare uuid), in Japanese, with CSV/Excel links; the consortium only for its admin."""

from __future__ import annotations

import uuid

from flask import Flask

from services.reports.domain.allowances import PaymentRow, ledger
from services.reports.domain.plan import PlanPeriod
from services.reports.domain.report import kpi_report
from tests.unit.gateway.pages.harness import BARE_UUID, FakeServices, html, sign_in, visible_text


def _answer(scope: str, scope_id: uuid.UUID) -> dict[str, object]:
    npo, center = uuid.uuid4(), uuid.uuid4()
    person = str(uuid.uuid4())
    rows = [
        PaymentRow(npo, person, "work_experience", 3, 3000),
        PaymentRow(npo, person, "country_work", 1, 2000),
        PaymentRow(center, person, "work_experience", 1, 12000),
    ]
    return {
        "fiscal_year": 2020,
        "label": "令和2年度",
        "label_en": "FY2020",
        "scope": scope,
        "scope_id": str(scope_id),
        "scope_name": None,
        "as_of": "2021-04-01T00:00:00+00:00",
        "suppressed": False,
    } | ledger(rows, {npo: "NPOサポステ", center: "センター"})


def test_the_consortium_admin_sees_members_and_persons_with_downloads(
    app: Flask, services: FakeServices
) -> None:
    admin = sign_in(app, services, role="consortium_admin", kind="prefectural_center")
    answer = _answer("consortium", admin.tenant.consortium_id)
    services.reports.on("GET", "/reports/allowances", answer)
    response = admin.get("/reports/allowances?fiscal_year=2020&scope=consortium")
    assert response.status_code == 200
    sent = services.reports.last("GET", "/reports/allowances")
    assert sent.query == {"fiscal_year": "2020", "scope": "consortium"}
    page = html(response)
    text = visible_text(response)
    assert "手当台帳" in text
    assert "団体ごとの合計" in text
    assert "本人ごとの合計" in text
    assert "17,000" in text  # the total
    assert "カントリーワーク" in text
    person_key = answer["persons"][0]["person_key"]  # type: ignore[index]
    assert person_key[:8] in text
    assert not BARE_UUID.search(text)
    assert (
        "/api/v1/reports/allowances.csv?fiscal_year=2020&amp;scope=consortium&amp;lang=ja" in page
    )
    assert "/api/v1/reports/allowances.xlsx?" in page
    assert '<option value="consortium" selected>' in page


def test_staff_see_their_org_and_no_consortium_choice(app: Flask, services: FakeServices) -> None:
    staff = sign_in(app, services, role="staff", kind="prefectural_center")
    services.reports.on("GET", "/reports/allowances", _answer("org", staff.tenant.org_id))
    # Asking for the consortium falls back to the org: the center's staff hold no duty.
    response = staff.get("/reports/allowances?fiscal_year=2020&scope=consortium")
    assert response.status_code == 200
    assert services.reports.last("GET", "/reports/allowances").query["scope"] == "org"
    assert 'value="consortium"' not in html(response)


def test_an_empty_year_says_so(app: Flask, services: FakeServices) -> None:
    staff = sign_in(app, services, role="staff")
    empty = _answer("org", staff.tenant.org_id) | ledger([], {})
    services.reports.on("GET", "/reports/allowances", empty)
    text = visible_text(staff.get("/reports/allowances"))
    assert "この年度に記録された手当はありません。" in text


def test_the_reports_page_links_to_the_ledger(app: Flask, services: FakeServices) -> None:
    staff = sign_in(app, services, role="staff")
    report = kpi_report(2020, PlanPeriod(2020, 3), {}, {})
    services.reports.on(
        "GET",
        "/reports/kpi",
        report | {"scope": "org", "scope_name": "NPOサポステ", "as_of": None, "suppressed": False},
    )
    page = html(staff.get("/reports/?fiscal_year=2020&scope=org"))
    assert "/reports/allowances?fiscal_year=2020" in page
    assert "/reports/members?" not in page  # the member tables belong to the consortium view
