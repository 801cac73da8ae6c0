"""The cases service: persons, cases, consultations, support activities, outcomes,
consents, sensitive notes, spreadsheet imports — and the referral packet."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from common.config import Settings, load_settings
from common.db import make_engine, make_session_factory, ping
from common.http.service import create_service_app
from common.orgdirectory import org_gate
from common.principal import PrincipalVerifier, load_public_key

MIGRATIONS = Path(__file__).parent / "migrations"
NAME = "cases"


def create_app(
    settings: Settings | None = None,
    *,
    session_factory: sessionmaker[Session] | None = None,
) -> Flask:
    from services.cases.api import bp
    from services.cases.models import OrgDirectoryEntry

    settings = settings or load_settings()
    engine: sa.Engine | None = None
    if session_factory is None:
        # Statement parameters carry names and notes: keep them out of error messages and logs.
        engine = make_engine(settings.database_url(NAME), hide_parameters=True)
        session_factory = make_session_factory(engine)
    verifier = PrincipalVerifier(load_public_key(settings.principal_public_key, settings.keys_dir))
    checks = {"database": (lambda: ping(engine))} if engine is not None else {}
    return create_service_app(
        NAME,
        settings,
        session_factory=session_factory,
        verifier=verifier,
        blueprints=[bp],
        readiness_checks=checks,
        org_gate=org_gate(OrgDirectoryEntry),
    )
