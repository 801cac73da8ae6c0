"""The reports service: a read model built from events — KPIs against targets, funnels,
referral flow, monthly figures, exports and frozen snapshots."""

from __future__ import annotations

from common.service import ServiceDefinition

SERVICE = ServiceDefinition(name="reports", package=__name__)
NAME = SERVICE.name
MIGRATIONS = SERVICE.migrations
create_app = SERVICE.create_app
