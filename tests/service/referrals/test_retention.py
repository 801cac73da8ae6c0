"""Provision records are removed once their retention (three years) has ended — exactly
those, each with an audit entry in its ledger owner's log — after a dry run the org admin
can read. The database refuses to remove a record still within its retention, whatever
clock the application runs on."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from common.clock import jst_date, utcnow
from common.testing.clock import MovableClock
from services.referrals.models import AuditEntry
from services.referrals.operations.retention import run_retention
from tests.service.referrals.world import World

EXCEPTION = {"code": "life_body_property", "reason": "自傷の恐れがあり、至急の対応が必要"}


def _old_referral(world: World, clock: MovableClock, years_ago: int) -> str:
    """A referral sent ``years_ago`` (an exception: the fake's consents are dated today)."""
    clock.set(utcnow() - timedelta(days=365 * years_ago + 5))
    sent = world.sent(exception=EXCEPTION, categories=["identity"])
    clock.set(utcnow())
    return str(sent["id"])


def _removed(world: World, org_id: object) -> list[str]:
    with world.sessions() as session:
        return [
            str(e.details)
            for e in session.scalars(
                sa.select(AuditEntry).where(
                    AuditEntry.org_id == org_id,
                    AuditEntry.action == "provision_record.retention_removed",
                )
            )
        ]


def test_the_job_removes_exactly_the_records_past_their_retention(
    world: World, clock: MovableClock
) -> None:
    old = _old_referral(world, clock, years_ago=4)
    recent = _old_referral(world, clock, years_ago=2)
    fresh = world.sent()["id"]
    admin = world.sender.headers("org_admin")
    dry_run = world.client.get("/reports/provision-ledger/due", headers=admin)
    assert dry_run.status_code == 200, dry_run.json
    assert dry_run.json["as_of"] == jst_date(utcnow()).isoformat()
    assert [r["referral_id"] for r in dry_run.json["items"]] == [old]
    receiver_due = world.client.get(
        "/reports/provision-ledger/due", headers=world.receiver.headers("org_admin")
    ).json["items"]
    assert [(r["referral_id"], r["direction"]) for r in receiver_due] == [(old, "received")]
    assert world.count("provision_records") == 6  # the dry run removed nothing

    run = run_retention(world.sessions, clock())
    assert (run.removed, run.refused) == (2, 0)
    assert world.count("provision_records") == 4
    left = world.client.get("/reports/provision-ledger", headers=admin).json["items"]
    assert sorted(r["referral_id"] for r in left) == sorted([recent, fresh])
    assert len(_removed(world, world.sender.org_id)) == 1
    assert len(_removed(world, world.receiver.org_id)) == 1
    assert old in _removed(world, world.sender.org_id)[0]
    assert world.count("referrals") == 3  # the referrals themselves stay
    assert run_retention(world.sessions, clock()).removed == 0


def test_a_clock_run_ahead_cannot_remove_a_record_the_law_still_keeps(
    world: World, clock: MovableClock
) -> None:
    world.sent()
    clock.set(utcnow() + timedelta(days=365 * 10))
    assert (
        len(
            world.client.get(
                "/reports/provision-ledger/due", headers=world.sender.headers("org_admin")
            ).json["items"]
        )
        == 1
    )  # by this (wrong) clock the record looks due …
    run = run_retention(world.sessions, clock())
    assert (run.removed, run.refused) == (0, 2)  # … and the database keeps it
    assert world.count("provision_records") == 2
    assert _removed(world, world.sender.org_id) == []


def test_only_the_org_admin_reads_the_dry_run(world: World) -> None:
    for role in ("staff", "volunteer", "viewer"):
        answer = world.client.get(
            "/reports/provision-ledger/due", headers=world.sender.headers(role)
        )
        assert answer.status_code == 403
