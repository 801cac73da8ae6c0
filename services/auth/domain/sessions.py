"""Session lifetime rules: a 30-minute idle timeout and a 12-hour absolute one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)

    def expires_at(self, created_at: datetime) -> datetime:
        return created_at + self.absolute

    def end_reason(
        self,
        *,
        now: datetime,
        last_seen_at: datetime,
        expires_at: datetime,
        revoked: bool,
        user_active: bool,
        org_active: bool,
    ) -> str | None:
        """Why a session can no longer be used, or None while it is live."""
        if revoked:
            return "revoked"
        if not user_active:
            return "user_deactivated"
        if not org_active:
            return "org_suspended"
        if now >= expires_at:
            return "absolute_timeout"
        if now - last_seen_at >= self.idle:
            return "idle_timeout"
        return None
