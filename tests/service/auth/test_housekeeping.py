"""The auth worker's housekeeping forgets sign-in failures older than any throttling
window looks back, by the service's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from common.testing.clock import MovableClock
from common.testing.services import test_settings
from services.auth import SERVICE
from services.auth.models import LoginFailure

START = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)


def test_housekeeping_prunes_login_failures_older_than_a_day(
    sessions: sessionmaker[Session], clock: MovableClock, tmp_path: Path
) -> None:
    runtime = SERVICE.runtime(test_settings(tmp_path), session_factory=sessions, clock=clock)
    (housekeeping,) = [t for t in SERVICE.periodic(runtime) if t.name == "auth-housekeeping"]
    with sessions() as session:
        session.add_all(
            [
                LoginFailure(email_key="a" * 64, client_ip="192.0.2.1", occurred_at=START),
                LoginFailure(
                    email_key="b" * 64, client_ip=None, occurred_at=START + timedelta(hours=20)
                ),
            ]
        )
        session.commit()

    clock.set(START + timedelta(hours=23))
    housekeeping.run()
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 2

    clock.set(START + timedelta(days=1, minutes=1))
    housekeeping.run()
    with sessions() as session:
        assert session.scalars(sa.select(LoginFailure.email_key)).all() == ["b" * 64]
