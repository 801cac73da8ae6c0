"""When a member counts, and the small-cell rule of the member tables."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.reports.domain.members import start_of, suppress_members, year_status


def test_a_start_makes_years_before_partial_or_whole() -> None:
    start = date(2021, 10, 1)
    assert [year_status(start, y) for y in (2020, 2021, 2022)] == ["before", "partial", "member"]
    assert year_status(date(2021, 4, 1), 2021) == "member"  # the first day of the year
    assert year_status(None, 2000) == "member"  # unknown: counted from the start of time


def test_the_admins_date_wins_over_the_registration_in_jst() -> None:
    # 15:30 UTC on 31 March is 1 April in Japan.
    registered = datetime(2022, 3, 31, 15, 30, tzinfo=UTC)
    assert start_of(None, registered).starts_on == date(2022, 4, 1)
    chosen = start_of(date(2022, 6, 1), registered)
    assert (chosen.starts_on, chosen.set_by_admin) == (date(2022, 6, 1), True)


def _member(name: str, contacts: int | None, persons: int) -> dict[str, object]:
    figures = (
        None if contacts is None else {"contacts_total": contacts, "consulted_persons": persons}
    )
    return {"name": name, "years": [{"fiscal_year": 2021, "figures": figures}]}


def test_one_hidden_member_hides_a_second_so_the_total_gives_nothing_away() -> None:
    members = [_member("a", 3, 3), _member("b", 40, 12), _member("c", 9, 6), _member("d", None, 0)]
    shown = suppress_members(members, 5)
    cells = [m["years"][0]["figures"] for m in shown]  # type: ignore[index]
    assert [c and c["contacts_total"] for c in cells] == ["<5", 40, "x", None]
    assert [c and c["consulted_persons"] for c in cells] == ["<5", 12, "x", None]
    # The input is left as it was (the admin's exact figures come from the same rows).
    assert members[0]["years"][0]["figures"]["contacts_total"] == 3  # type: ignore[index]
