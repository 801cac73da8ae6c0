"""The referrals service: consent-gated, closed-loop hand-offs between members."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from common.config import Settings, load_settings
from common.http.service import create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"
NAME = "referrals"

if TYPE_CHECKING:
    from services.referrals.cases_client import PacketSource


def create_app(
    settings: Settings | None = None,
    *,
    session_factory: sessionmaker[Session] | None = None,
    packet_source: PacketSource | None = None,
) -> Flask:
    """``packet_source`` stands in for the cases service in tests; by default the packet is
    fetched over HTTP from ``TSUNAGU_CASES_URL``."""
    from common.orgdirectory import org_gate
    from services.referrals.api import bp
    from services.referrals.cases_client import HttpPacketSource
    from services.referrals.models import OrgDirectoryEntry
    from services.referrals.operations import ReferralDeps

    settings = settings or load_settings()
    app = create_service_app(
        NAME,
        settings,
        session_factory=session_factory,
        blueprints=[bp],
        org_gate=org_gate(OrgDirectoryEntry),
    )
    if packet_source is None:
        packet_source = HttpPacketSource(
            settings.service_url("cases"), timeout=settings.upstream_timeout_seconds
        )
    app.extensions["referral_deps"] = ReferralDeps(packet_source=packet_source)
    return app
