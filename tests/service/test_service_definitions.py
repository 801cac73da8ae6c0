"""Every service is built from one definition (common.service) and so behaves alike: its
engine keeps statement parameters out of errors and logs, its worker has exactly the parts
its models and consumers call for, and a refused access is written to the caller's log."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from common.config import Settings
from common.service import ServiceDefinition
from common.testing.principals import Tenant, auth_header, make_principal
from common.testing.services import migrated_database, test_settings
from services.auth import SERVICE as AUTH
from services.cases import SERVICE as CASES
from services.line import SERVICE as LINE
from services.referrals import SERVICE as REFERRALS
from services.reports import SERVICE as REPORTS

DEFINITIONS = [AUTH, CASES, REFERRALS, REPORTS, LINE]
# A route of each service that answers 404 for an id the caller may not see.
REFUSED_PATHS = {
    "auth": "/organizations/{id}",
    "cases": "/cases/{id}",
    "referrals": "/referrals/{id}",
    "reports": "/reports/snapshots/{id}",
    "line": "/line/conversations/{id}",
}


@pytest.fixture(params=DEFINITIONS, ids=lambda d: d.name)
def definition(request: pytest.FixtureRequest) -> ServiceDefinition:
    result: ServiceDefinition = request.param
    return result


@pytest.fixture
def database_url(
    definition: ServiceDefinition, tmp_path: Path, backend: str | None
) -> Iterator[str]:
    with migrated_database(tmp_path, definition.migrations, definition.name, backend) as engine:
        yield engine.url.render_as_string(hide_password=False)


def settings_for(definition: ServiceDefinition, tmp_path: Path, url: str) -> Settings:
    return test_settings(tmp_path, **{f"TSUNAGU_{definition.name.upper()}_DATABASE_URL": url})


def test_the_engine_hides_statement_parameters_in_the_app_and_the_worker_alike(
    definition: ServiceDefinition, tmp_path: Path, database_url: str
) -> None:
    runtime = definition.runtime(settings_for(definition, tmp_path, database_url))
    assert runtime.engine is not None
    assert runtime.engine.hide_parameters
    with pytest.raises(sa.exc.StatementError) as raised, runtime.session_factory() as session:
        session.execute(
            sa.text("SELECT * FROM no_such_table WHERE x = :secret"), {"secret": "山田"}
        )
    assert "山田" not in str(raised.value)
    runtime.engine.dispose()


def test_the_worker_has_a_relay_if_the_service_publishes_and_a_consumer_if_it_hears(
    definition: ServiceDefinition, tmp_path: Path, database_url: str
) -> None:
    runtime = definition.runtime(settings_for(definition, tmp_path, database_url))
    parts = definition.worker_parts(runtime)
    assert (parts.relay is not None) == (definition.model("OutboxEvent") is not None)
    assert (parts.consumer is not None) == bool(definition.handlers())
    assert {t.name for t in parts.periodic} >= ({"prune-outbox"} if parts.relay else set())
    # A mail outbox is sent, a revocation directory pruned, wherever the models have one.
    names = {t.name for t in parts.periodic}
    assert ("send-mail" in names) == (definition.model("MailOutbox") is not None)
    assert ("prune-revocations" in names) == (definition.model("RevokedCredential") is not None)
    assert runtime.engine is not None
    runtime.engine.dispose()


def test_a_refused_access_answers_404_and_is_written_to_the_callers_own_log(
    definition: ServiceDefinition, tmp_path: Path, database_url: str
) -> None:
    settings = settings_for(definition, tmp_path, database_url)
    app = definition.create_app(settings)
    caller = make_principal(Tenant.new("npo"), role="org_admin")
    path = REFUSED_PATHS[definition.name].format(id=uuid.uuid4())
    response = app.test_client().get(path, headers=auth_header(caller))
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    audit = definition.model("AuditEntry")
    with app.extensions["tsunagu"].session_factory() as session:
        refusals = session.scalars(
            sa.select(audit).where(audit.org_id == caller.org_id, audit.outcome == "denied")
        ).all()
    assert len(refusals) == 1
    assert refusals[0].actor_id == caller.user_id
    assert refusals[0].action.startswith("refused.")
    engine = app.extensions["tsunagu"].runtime.engine
    engine.dispose()
