"""The cases service: persons, cases, consultations, support activities, outcomes,
consents, sensitive notes, spreadsheet imports — and the referral packet."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from common.config import Settings, load_settings
from common.http.service import create_service_app
from common.orgdirectory import org_gate

MIGRATIONS = Path(__file__).parent / "migrations"
NAME = "cases"


def create_app(
    settings: Settings | None = None,
    *,
    session_factory: sessionmaker[Session] | None = None,
) -> Flask:
    from services.cases.api import bp
    from services.cases.models import OrgDirectoryEntry

    return create_service_app(
        NAME,
        settings or load_settings(),
        session_factory=session_factory,
        blueprints=[bp],
        org_gate=org_gate(OrgDirectoryEntry),
    )
