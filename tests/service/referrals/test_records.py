"""Provision records (APPI arts. 29/30), the audit log and the referral history: nobody —
not even the service — can change or delete them, and each org reads its own."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from common.clock import jst_date, utcnow
from services.referrals.domain.states import Status
from tests.service.referrals.drive import drive
from tests.service.referrals.world import World

APPEND_ONLY = ["provision_records", "audit_log", "referral_transitions"]


@pytest.mark.parametrize("table", APPEND_ONLY)
@pytest.mark.parametrize(
    "statement",
    ["UPDATE {table} SET {column} = {column}", "DELETE FROM {table}"],
    ids=["update", "delete"],
)
def test_the_database_refuses_to_change_or_delete_a_record(
    world: World, table: str, statement: str
) -> None:
    drive(world, Status.ACCEPTED)
    column = {
        "provision_records": "basis",
        "audit_log": "action",
        "referral_transitions": "action",
    }[table]
    with world.sessions() as session:
        assert session.scalar(sa.text(f"SELECT count(*) FROM {table}"))  # noqa: S608
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            session.execute(sa.text(statement.format(table=table, column=column)))
        session.rollback()


def test_each_org_reads_its_own_ledger_with_what_it_provided_and_received(world: World) -> None:
    drive(world, Status.SENT)
    world.sent(sender=world.receiver, receiver=world.sender)
    ledger = world.client.get(
        "/reports/provision-ledger", headers=world.sender.headers("org_admin")
    ).json
    assert sorted(r["direction"] for r in ledger["items"]) == ["provided", "received"]
    provided = next(r for r in ledger["items"] if r["direction"] == "provided")
    assert provided["counterparty"]["name"] == "やまなし若者サポートステーション"
    assert provided["case_id"]
    assert provided["person_key"]
    received = next(r for r in ledger["items"] if r["direction"] == "received")
    assert received["counterparty"]["name"] == "やまなし若者サポートステーション"
    assert received["obtained_via"] == "consultation"
    assert received["case_id"] is None
    third = world.client.get(
        "/reports/provision-ledger", headers=world.third.headers("org_admin")
    ).json
    assert third["items"] == []


def test_the_ledger_filters_by_date_and_direction(world: World) -> None:
    drive(world, Status.SENT)
    today = jst_date(utcnow())
    headers = world.sender.headers("org_admin")

    def count(query: str) -> int:
        return len(
            world.client.get(f"/reports/provision-ledger?{query}", headers=headers).json["items"]
        )

    assert count(f"from={today}&to={today}") == 1
    assert count(f"to={today - timedelta(days=1)}") == 0
    assert count("direction=received") == 0
    bad = world.client.get(
        f"/reports/provision-ledger?from={today}&to={today - timedelta(days=1)}", headers=headers
    )
    assert bad.status_code == 422
    assert bad.json["errors"][0]["field"] == "to"


def test_the_ledger_exports_as_csv_with_a_bom_and_as_xlsx(world: World) -> None:
    drive(world, Status.SENT)
    headers = world.sender.headers("org_admin")
    as_csv = world.client.get("/reports/provision-ledger?format=csv", headers=headers)
    assert as_csv.status_code == 200
    assert as_csv.mimetype == "text/csv"
    assert "attachment" in as_csv.headers["Content-Disposition"]
    assert as_csv.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(as_csv.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["記録ID", "区分", "年月日"]
    assert rows[1][1] == "提供（第29条）"
    assert rows[1][rows[0].index("提供の根拠")] == "本人の同意"
    as_xlsx = world.client.get("/reports/provision-ledger?format=xlsx", headers=headers)
    sheet = load_workbook(io.BytesIO(as_xlsx.data)).active
    assert sheet is not None
    assert sheet.cell(2, 4).value == "やまなし若者サポートステーション"


def test_staff_export_the_ledger_but_volunteers_and_viewers_may_not(world: World) -> None:
    assert (
        world.client.get("/reports/provision-ledger", headers=world.sender.headers()).status_code
        == 200
    )
    for role in ("volunteer", "viewer"):
        response = world.client.get("/reports/provision-ledger", headers=world.sender.headers(role))
        assert response.status_code == 403


def test_every_read_and_change_of_a_referral_is_in_both_parties_audit_logs(world: World) -> None:
    referral_id = drive(world, Status.ACCEPTED)
    for member in (world.sender, world.receiver):
        log = world.client.get(
            f"/audit?resource_id={referral_id}", headers=member.headers("org_admin")
        ).json["items"]
        actions = [e["action"] for e in reversed(log)]
        assert actions[:3] == ["referral.send", "referral.read", "referral.accept"]
    assert (
        world.client.get(
            f"/audit?resource_id={referral_id}", headers=world.third.headers("org_admin")
        ).json["items"]
        == []
    )


def test_only_org_admins_read_the_audit_log(world: World) -> None:
    assert world.client.get("/audit", headers=world.sender.headers()).status_code == 403


def test_the_audit_log_pages_with_a_cursor(world: World) -> None:
    for _ in range(3):
        drive(world, Status.SENT)
    headers = world.sender.headers("org_admin")
    first = world.client.get("/audit?limit=2", headers=headers).json
    second = world.client.get(f"/audit?limit=2&cursor={first['next_cursor']}", headers=headers).json
    assert len(first["items"]) == 2
    assert second["items"]
    assert not {e["id"] for e in first["items"]} & {e["id"] for e in second["items"]}
