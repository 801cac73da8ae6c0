"""What the LINE desk's page groups share: counsellors' names, waiting times in words."""

from __future__ import annotations

import threading
import time
from contextlib import suppress
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_login import current_user

from common.clock import as_utc, utcnow
from common.permissions import Perm
from gateway import apiclient as api
from gateway.apiclient import ApiError

NAMES_SECONDS = 60.0
"""Counsellors' names are asked of the services at most this often per organization: the
queue is polled every two seconds and names rarely change."""
_names: dict[str, tuple[float, dict[str, str]]] = {}
_names_lock = threading.Lock()


def counsellor_names() -> dict[str, str]:
    """User id → name for the caller's organization. The line service gives only ids, so the
    names come from what the caller may read: her org's people (auth, for its admins) and the
    people the cases service knows of her org (``/cases/assignees``, for the staff)."""
    principal = current_user.principal
    key = f"{principal.org_id}:{principal.user_id}"
    with _names_lock:
        cached = _names.get(key)
    if cached and cached[0] > time.monotonic():
        names = dict(cached[1])
    else:
        names = {}
        if current_user.can(Perm.CASE_READ):
            with suppress(ApiError):
                names |= {p["id"]: p["name"] for p in api.get("/cases/assignees")["items"]}
        if current_user.can(Perm.ORG_USERS_MANAGE) and principal.org_id:
            with suppress(ApiError):
                people = api.get(f"/organizations/{principal.org_id}/users", limit=200)["items"]
                names |= {p["id"]: p["name"] for p in people if p.get("name")}
        with _names_lock:
            _names[key] = (time.monotonic() + NAMES_SECONDS, names)
    names[str(principal.user_id)] = current_user.name
    return names


def counsellor(user_id: str | None, names: dict[str, str]) -> str:
    if not user_id:
        return "—"
    if user_id == str(current_user.principal.user_id):
        return _("%(name)s (you)", name=current_user.name)
    return names.get(user_id) or _("Another counsellor")


def waiting_words(since: str | datetime | None, now: datetime | None = None) -> str:
    """「5分待ち」: how long a LINE user has been waiting for an answer."""
    if not since:
        return ""
    moment = as_utc(datetime.fromisoformat(since) if isinstance(since, str) else since)
    minutes = max(0, int(((now or utcnow()) - moment).total_seconds() // 60))
    if minutes < 1:
        return _("Waiting under a minute")
    if minutes < 60:
        return _("Waiting %(minutes)s min", minutes=minutes)
    if minutes < 24 * 60:
        return _("Waiting %(hours)s h %(minutes)s min", hours=minutes // 60, minutes=minutes % 60)
    return _("Waiting %(days)s days", days=minutes // (24 * 60))


def waited_minutes(since: str | None, now: datetime | None = None) -> int:
    if not since:
        return 0
    moment = as_utc(datetime.fromisoformat(since))
    return max(0, int(((now or utcnow()) - moment).total_seconds() // 60))


def shaped(item: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """A queue row with its words: who holds it and how long the person has waited."""
    return item | {
        "waiting": waiting_words(item.get("waiting_since")),
        "waited": waited_minutes(item.get("waiting_since")),
        "counsellor": counsellor(item.get("assigned_to"), names),
        "mine": item.get("assigned_to") == str(current_user.principal.user_id),
    }
