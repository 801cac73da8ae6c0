"""Counting failed sign-ins and deciding how long the next try must wait
(rules in services.auth.domain.throttle)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.clock import utcnow
from services.auth.domain.throttle import Tally, rules, wait_seconds
from services.auth.models import LoginFailure, LoginSession, User

KNOWN_ADDRESS_DAYS = 90
"""An address this account signed in from within this many days is the owner's."""
KEPT = timedelta(days=1)


def _tally(session: Session, since: Any, *conditions: Any) -> Tally:
    count, last = session.execute(
        sa.select(sa.func.count(), sa.func.max(LoginFailure.occurred_at)).where(
            LoginFailure.occurred_at >= since, *conditions
        )
    ).one()
    return Tally(int(count or 0), last)


def known_address(session: Session, user: User | None, client_ip: str | None) -> bool:
    if user is None or not client_ip:
        return False
    since = utcnow() - timedelta(days=KNOWN_ADDRESS_DAYS)
    return (
        session.scalar(
            sa.select(LoginSession.id)
            .where(
                LoginSession.user_id == user.id,
                LoginSession.client_ip == client_ip,
                LoginSession.created_at >= since,
            )
            .limit(1)
        )
        is not None
    )


def retry_after(
    session: Session,
    *,
    email_key: str,
    client_ip: str | None,
    known: bool,
    limit: int,
    window_minutes: int,
) -> int:
    """Seconds before this sign-in may be tried (0: try it now)."""
    now = utcnow()
    since = now - timedelta(minutes=window_minutes)
    pair_rule, account_rule, address_rule = rules(limit)
    ip_match = (
        LoginFailure.client_ip == client_ip if client_ip else LoginFailure.client_ip.is_(None)
    )
    same_account = LoginFailure.email_key == email_key
    waits = [wait_seconds(pair_rule, _tally(session, since, same_account, ip_match), now)]
    if not known:
        waits.append(wait_seconds(account_rule, _tally(session, since, same_account), now))
        if client_ip:
            waits.append(wait_seconds(address_rule, _tally(session, since, ip_match), now))
    return max(waits)


def record_failure(session: Session, email_key: str, client_ip: str | None) -> None:
    session.add(LoginFailure(email_key=email_key, client_ip=client_ip, occurred_at=utcnow()))


def forget_failures(session: Session, email_key: str, client_ip: str | None) -> None:
    """The owner got in from here: their own typos from here no longer count."""
    ip_match = (
        LoginFailure.client_ip == client_ip if client_ip else LoginFailure.client_ip.is_(None)
    )
    session.execute(sa.delete(LoginFailure).where(LoginFailure.email_key == email_key, ip_match))


def prune_failures(session: Session, now: datetime, kept: timedelta = KEPT) -> int:
    """Forget failures older than any window looks back (the audit log keeps the record)."""
    result = session.execute(sa.delete(LoginFailure).where(LoginFailure.occurred_at < now - kept))
    session.commit()
    return int(cast(Any, result).rowcount or 0)
