from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from common.testing.services import migrated_database, savepoint_session_factory, test_settings
from services.cases import MIGRATIONS, create_app
from tests.service.cases.support import Api, Member, make_member


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    with migrated_database(tmp_path_factory.mktemp("cases"), MIGRATIONS, "cases") as engine:
        yield engine


@pytest.fixture
def sessions(engine: sa.Engine) -> Iterator[sessionmaker[Session]]:
    with savepoint_session_factory(engine) as factory:
        yield factory


@pytest.fixture
def api(sessions: sessionmaker[Session], tmp_path: Path) -> Api:
    return Api(create_app(test_settings(tmp_path), session_factory=sessions).test_client())


@pytest.fixture
def member(sessions: sessionmaker[Session]) -> Member:
    return make_member(sessions, kind="support_station")


@pytest.fixture
def other(sessions: sessionmaker[Session], member: Member) -> Member:
    return make_member(sessions, kind="prefectural_center", consortium_id=member.consortium_id)
