"""Who a referral may go to: the active members of the sender's consortium, from the local
directory (built from org.* events; never a call to auth)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.principal import Principal
from services.referrals.models import OrgDirectoryEntry


def list_recipients(session: Session, principal: Principal) -> dict[str, Any]:
    if principal.consortium_id is None or principal.org_id is None:
        return {"items": [], "next_cursor": None}
    rows = session.scalars(
        sa.select(OrgDirectoryEntry)
        .where(
            OrgDirectoryEntry.consortium_id == principal.consortium_id,
            OrgDirectoryEntry.status == "active",
            OrgDirectoryEntry.org_id != principal.org_id,
        )
        .order_by(OrgDirectoryEntry.name, OrgDirectoryEntry.org_id)
    )
    return {
        "items": [{"id": str(r.org_id), "name": r.name, "kind": r.kind} for r in rows],
        "next_cursor": None,
    }
