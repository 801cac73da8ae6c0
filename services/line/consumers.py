"""What the LINE service hears: the org directory (which consortium an org belongs to, for
consortium admins; a suspended org's staff are refused). Handlers never commit."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from common.messaging.envelope import Event
from common.orgdirectory import org_handlers
from services.line.models import OrgDirectoryEntry

HANDLERS: dict[str, Callable[[Session, Event], None]] = {**org_handlers(OrgDirectoryEntry)}
