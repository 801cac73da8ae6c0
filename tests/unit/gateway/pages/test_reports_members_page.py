"""The member tables page: each member per plan year from its start (加入前 before it),
exports, and the consortium admin's start-date form, refused in place."""

from __future__ import annotations

import uuid

from flask import Flask

from services.reports.domain.members import member_year
from services.reports.domain.report import Counts
from tests.unit.gateway.pages.harness import (
    BARE_UUID,
    FakeServices,
    html,
    problem,
    sign_in,
    visible_text,
)

LATE = str(uuid.uuid4())


def _report(editable: bool, suppressed: bool = False) -> dict[str, object]:
    late_years = [
        member_year(2020, "before", None),
        member_year(2021, "partial", {"consultation": Counts(2, 1)}),
        member_year(2022, "member", {"consultation": Counts(7, 6)}),
    ]
    center_years = [
        member_year(y, "member", {"consultation": Counts(9, 8)}) for y in (2020, 2021, 2022)
    ]
    if suppressed:
        late_years[1]["figures"]["consulted_persons"] = "<5"  # type: ignore[index]
    return {
        "fiscal_year": 2021,
        "plan": {
            "start_fiscal_year": 2020,
            "years": 3,
            "fiscal_years": [{"fiscal_year": y, "label": f"R{y}"} for y in (2020, 2021, 2022)],
        },
        "kpis": [
            {
                "kpi": "consulted_persons",
                "label": "相談窓口（家族による相談含む）人数",
                "label_en": "Persons consulted",
                "counts": "persons",
            },
            {
                "kpi": "contacts_total",
                "label": "延べ相談件数",
                "label_en": "Consultations",
                "counts": "events",
            },
        ],
        "members": [
            {
                "org_id": str(uuid.uuid4()),
                "name": "センター",
                "kind": "prefectural_center",
                "status": "active",
                "starts_on": "2019-04-01",
                "registered_on": "2019-04-01",
                "start_set": False,
                "years": center_years,
            },
            {
                "org_id": LATE,
                "name": "やまなしNPO",
                "kind": "npo",
                "status": "active",
                "starts_on": "2021-10-01",
                "registered_on": "2021-10-01",
                "start_set": False,
                "years": late_years,
            },
        ],
        "suppressed": suppressed,
        "editable": editable,
    }


def test_the_admin_sees_each_member_per_year_from_its_start(
    app: Flask, services: FakeServices
) -> None:
    admin = sign_in(app, services, role="consortium_admin", kind="prefectural_center")
    services.reports.on("GET", "/reports/members", _report(editable=True))
    response = admin.get("/reports/members?fiscal_year=2021")
    assert response.status_code == 200
    text = visible_text(response)
    page = html(response)
    assert "団体別の数値" in text
    assert "加入前" in text
    assert "年度途中から" in text
    assert "通年" in text
    year2 = page[page.index('id="h-year-2021"') :]
    year2 = year2[: year2.index("</section>")]
    late_row = year2[year2.index("やまなしNPO") :]
    assert '<td class="n">1</td><td class="n">2</td>' in late_row[: late_row.index("</tr>")]
    assert "/api/v1/reports/members.csv?fiscal_year=2021&amp;lang=ja" in page
    assert f'action="/reports/members/{LATE}/start?fiscal_year=2021"' in page
    assert "加入日を保存" in text
    assert not BARE_UUID.search(text)


def test_the_centers_staff_see_hidden_cells_and_no_form(app: Flask, services: FakeServices) -> None:
    staff = sign_in(app, services, role="staff", kind="prefectural_center")
    services.reports.on("GET", "/reports/members", _report(editable=False, suppressed=True))
    response = staff.get("/reports/members?fiscal_year=2021")
    assert response.status_code == 200
    assert "&lt;5</abbr>" in html(response)
    assert "加入日を保存" not in visible_text(response)


def test_setting_a_start_sends_the_date_and_a_refusal_stays_in_place(
    app: Flask, services: FakeServices
) -> None:
    admin = sign_in(app, services, role="consortium_admin", kind="prefectural_center")
    services.reports.on("GET", "/reports/members", _report(editable=True))
    services.reports.on("PUT", "/reports/members/{id}", {"starts_on": "2021-11-01"})
    saved = admin.post(
        f"/reports/members/{LATE}/start?fiscal_year=2021", {"starts_on": "2021-11-01"}
    )
    assert saved.status_code == 302
    assert services.reports.last("PUT", "/reports/members/{id}").body == {"starts_on": "2021-11-01"}

    cleared = admin.post(f"/reports/members/{LATE}/start?fiscal_year=2021", {"starts_on": ""})
    assert cleared.status_code == 302
    assert services.reports.last("PUT", "/reports/members/{id}").body == {"starts_on": None}

    services.reports.on(
        "PUT",
        "/reports/members/{id}",
        problem(
            422, "validation_failed", [{"field": "starts_on", "code": "date_from_datetime_parsing"}]
        ),
    )
    refused = admin.post(
        f"/reports/members/{LATE}/start?fiscal_year=2021", {"starts_on": "2021-13-40"}
    )
    assert refused.status_code == 422
    text = visible_text(refused)
    assert "加入日" in text
    assert "English text the UI must not show" not in text
    assert 'value="2021-13-40"' in html(refused)  # what was typed is kept


def test_no_consortium_permission_is_forbidden(app: Flask, services: FakeServices) -> None:
    volunteer = sign_in(app, services, role="volunteer")
    assert volunteer.get("/reports/members").status_code == 403
