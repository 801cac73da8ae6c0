"""The LINE service: the desk's LINE channels, webhook intake, the friend ledger, desk
conversations and the sending worker (docs/line.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from common.service import Runtime, ServiceDefinition

if TYPE_CHECKING:
    from common.messaging.worker import PeriodicTask
    from services.line.operations import LineDeps

APPLY_POLL_SECONDS = 0.1
SEND_POLL_SECONDS = 0.25
MEDIA_POLL_SECONDS = 1.0
QUOTA_POLL_SECONDS = 3600.0
HOUSEKEEPING_SECONDS = 3600.0


def _dependencies(runtime: Runtime, **overrides: Any) -> LineDeps:
    from services.line.operations import build_deps

    return build_deps(runtime, **overrides)


def _periodic(runtime: Runtime) -> Sequence[PeriodicTask]:
    """Stored webhook events are applied, media downloaded, messages sent and the monthly
    quota read by the worker, never in the webhook's request (LINE waits 2 s at most)."""
    from common.messaging.worker import PeriodicTask
    from services.line.operations import intake, media, sending

    deps = _dependencies(runtime)
    factory = runtime.session_factory
    return [
        PeriodicTask(
            "line-apply-events", APPLY_POLL_SECONDS, lambda: _n(intake.apply_pending(factory, deps))
        ),
        PeriodicTask("line-send", SEND_POLL_SECONDS, lambda: _n(sending.send_due(factory, deps))),
        PeriodicTask("line-media", MEDIA_POLL_SECONDS, lambda: _n(media.fetch_due(factory, deps))),
        PeriodicTask(
            "line-quota", QUOTA_POLL_SECONDS, lambda: _n(sending.read_quotas(factory, deps))
        ),
        PeriodicTask(
            "line-erase-raw", HOUSEKEEPING_SECONDS, lambda: _n(intake.erase_old_raw(factory, deps))
        ),
    ]


def _n(_: object) -> None:
    return None


SERVICE = ServiceDefinition(
    name="line",
    package=__name__,
    dependencies=_dependencies,
    periodic=_periodic,
)
NAME = SERVICE.name
MIGRATIONS = SERVICE.migrations
create_app = SERVICE.create_app
