"""``python -m tsunagu reports-rebuild`` (services.reports.cli:rebuild_command) on a real
database: it recomputes the read model from the stored events and says what it did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from common.db import make_session_factory
from common.testing.services import migrated_database
from common.testing.services import test_settings as settings_in
from services.reports import MIGRATIONS
from services.reports.cli import rebuild_command
from services.reports.models import Tally
from tests.service.reports.helpers import dump, feed
from tests.service.reports.scenarios import mixed_year


def test_the_rebuild_command_recomputes_everything_and_reports_it(
    backend: str | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with migrated_database(tmp_path, MIGRATIONS, "rebuild_cli", backend) as engine:
        sessions = make_session_factory(engine)
        scenario = mixed_year()
        feed(sessions, scenario.events)
        with sessions() as session:
            before = dump(session)
            session.execute(sa.delete(Tally))  # a damaged read model
            session.commit()
        settings = settings_in(
            tmp_path, TSUNAGU_REPORTS_DATABASE_URL=engine.url.render_as_string(False)
        )
        assert rebuild_command(settings) == 0
        said = json.loads(capsys.readouterr().out)
        assert said["rebuilt"] == "reports"
        assert said["events"] == len(scenario.events)
        assert said["skipped"] == 0
        with sessions() as session:
            assert dump(session) == before
