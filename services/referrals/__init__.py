"""The referrals service: consent-gated, closed-loop hand-offs between members."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from common.service import Runtime, ServiceDefinition

if TYPE_CHECKING:
    from common.messaging.worker import PeriodicTask
    from services.referrals.cases_client import PacketSource
    from services.referrals.operations import ReferralDeps

DEADLINE_INTERVAL_SECONDS = 60.0
"""Override with TSUNAGU_X_REFERRAL_DEADLINE_SECONDS (tests, demos)."""
RETENTION_INTERVAL_SECONDS = 3600.0
"""Override with TSUNAGU_X_RETENTION_SECONDS (tests, demos)."""


def _dependencies(runtime: Runtime, *, packet_source: PacketSource | None = None) -> ReferralDeps:
    """``packet_source`` stands in for the cases service in tests; by default the packet is
    fetched over HTTP from ``TSUNAGU_CASES_URL``."""
    from services.referrals.cases_client import HttpPacketSource
    from services.referrals.operations import ReferralDeps

    settings = runtime.settings
    if packet_source is None:
        packet_source = HttpPacketSource(
            settings.service_url("cases"), timeout=settings.upstream_timeout_seconds
        )
    return ReferralDeps(packet_source=packet_source, now=runtime.clock)


def _periodic(runtime: Runtime) -> Sequence[PeriodicTask]:
    """Every minute: expire referrals past their respond-by day, flag those left unanswered
    to the center, stop any that still rely on a withdrawn consent. Every hour: remove the
    provision records whose retention has ended."""
    from common.messaging.worker import PeriodicTask
    from services.referrals.operations.deadlines import run_deadlines
    from services.referrals.operations.retention import run_retention

    interval = float(
        runtime.settings.extra.get("TSUNAGU_X_REFERRAL_DEADLINE_SECONDS", DEADLINE_INTERVAL_SECONDS)
    )
    return [
        PeriodicTask(
            "referral-deadlines",
            interval,
            lambda: _discard(run_deadlines(runtime.session_factory, now=runtime.now())),
        ),
        PeriodicTask(
            "provision-record-retention",
            float(
                runtime.settings.extra.get(
                    "TSUNAGU_X_RETENTION_SECONDS", RETENTION_INTERVAL_SECONDS
                )
            ),
            lambda: _discard(run_retention(runtime.session_factory, runtime.now())),
        ),
    ]


def _discard(_result: object) -> None:
    return None


SERVICE = ServiceDefinition(
    name="referrals", package=__name__, dependencies=_dependencies, periodic=_periodic
)
NAME = SERVICE.name
MIGRATIONS = SERVICE.migrations
create_app = SERVICE.create_app
