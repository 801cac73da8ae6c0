"""The allowance ledger's rules: what counts as a payment and how the totals add up."""

from __future__ import annotations

import uuid

import pytest

from common.errors import UnusableEvent
from services.reports.domain.allowances import PaymentRow, ledger, payment_of

PERSON = str(uuid.uuid4())


def _data(**changes: object) -> dict[str, object]:
    return {
        "activity_id": str(uuid.uuid4()),
        "case_id": str(uuid.uuid4()),
        "person_key": PERSON,
        "type": "work_experience",
        "occurred_at": "2021-03-31T14:30:00+00:00",  # 23:30 JST on 31 March: 令和2年度
        "fiscal_year": 2020,
        "accompanied": False,
        "allowance_yen": 3000,
        "days": 3,
        "checkpoint_months": None,
        "retained": None,
    } | changes


def test_a_paid_activity_is_a_payment_in_the_year_of_its_jst_date() -> None:
    payment = payment_of("activity.recorded", _data())
    assert payment is not None
    assert (payment.person_key, payment.fiscal_year, payment.allowance_yen) == (PERSON, 2020, 3000)
    assert payment.days == 3


def test_no_allowance_or_another_event_is_no_payment() -> None:
    assert payment_of("activity.recorded", _data(allowance_yen=None, days=None)) is None
    assert payment_of("contact.logged", _data()) is None


@pytest.mark.parametrize(
    "changes",
    [
        {"allowance_yen": -1},
        {"allowance_yen": "3000"},
        {"allowance_yen": True},
        {"days": 0},
        {"fiscal_year": 2021},  # disagrees with the JST date
        {"person_key": None},
    ],
)
def test_a_payment_a_ledger_cannot_place_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(UnusableEvent):
        payment_of("activity.recorded", _data(**changes))


def test_totals_per_person_member_and_overall() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    rows = [
        PaymentRow(a, "p1", "work_experience", 2, 2000),
        PaymentRow(a, "p1", "country_work", None, 500),
        PaymentRow(a, "p2", "work_experience", 1, 1000),
        PaymentRow(b, "p1", "work_experience", 1, 700),
    ]
    result = ledger(rows, {a: "あゆみ会", b: "センター"})
    assert [(p["org_name"], p["person_key"], p["allowance_yen"]) for p in result["persons"]] == [
        ("あゆみ会", "p1", 2500),
        ("あゆみ会", "p2", 1000),
        ("センター", "p1", 700),
    ]
    assert [(m["org_name"], m["persons"], m["days"]) for m in result["members"]] == [
        ("あゆみ会", 2, 3),
        ("センター", 1, 1),
    ]
    assert result["total"]["persons"] == 2
    assert result["total"]["by_type"] == {"work_experience": 3700, "country_work": 500}
