"""The worker's periodic job: expire referrals whose respond-by day has passed, tell the
center of those left unanswered, and stop any still relying on a withdrawn consent (a
safety net behind the ``consent.withdrawn`` handler). One short transaction per referral,
so a busy day never holds the database for long and one failure stops nothing else."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from common.clock import utcnow
from common.errors import Conflict
from services.referrals.domain.codes import Urgency
from services.referrals.domain.deadlines import left_unanswered
from services.referrals.domain.states import AWAITING_ANSWER, Status
from services.referrals.models import ConsentFact, Referral
from services.referrals.operations.common import audit_referral, centers_of, notify, policy_for
from services.referrals.operations.transitions import expire_if_overdue, withdraw_for_consent

log = logging.getLogger(__name__)
BATCH = 500
WAITING = [s.value for s in AWAITING_ANSWER]
STOPPABLE = [*WAITING, Status.DECLINE_REQUESTED.value]


@dataclass
class DeadlineRun:
    expired: int = 0
    flagged: int = 0
    withdrawn: int = 0


def _each(
    session_factory: sessionmaker[Session],
    ids: list[uuid.UUID],
    step: Callable[[Session, Referral], bool],
) -> int:
    done = 0
    for referral_id in ids:
        with session_factory() as session:
            try:
                referral = session.get(Referral, referral_id)
                if referral is not None and step(session, referral):
                    session.commit()
                    done += 1
            except (StaleDataError, Conflict):
                session.rollback()  # answered meanwhile: nothing to do
    return done


def _flag(now: datetime) -> Callable[[Session, Referral], bool]:
    def step(session: Session, referral: Referral) -> bool:
        policy = policy_for(session, referral.consortium_id)
        if not left_unanswered(
            Status(referral.status),
            referral.sent_at,
            Urgency(referral.urgency),
            referral.unanswered_flagged_at,
            now,
            policy,
        ):
            return False
        referral.unanswered_flagged_at = now
        session.flush()
        notify(
            session,
            referral,
            centers_of(session, referral.consortium_id),
            "referral_unanswered",
            actor_org_id=None,
        )
        notify(session, referral, [referral.to_org_id], "reminder", actor_org_id=None)
        audit_referral(session, None, "referral.flag_unanswered", referral)
        return True

    return step


def _withdraw(now: datetime) -> Callable[[Session, Referral], bool]:
    def step(session: Session, referral: Referral) -> bool:
        if referral.status not in STOPPABLE or referral.consent_id is None:
            return False
        withdraw_for_consent(session, referral, referral.consent_id, now)
        return True

    return step


def run_deadlines(
    session_factory: sessionmaker[Session], now: datetime | None = None, batch: int = BATCH
) -> DeadlineRun:
    now = now or utcnow()
    run = DeadlineRun()
    with session_factory() as session:
        overdue = list(
            session.scalars(
                sa.select(Referral.id)
                .where(Referral.status.in_(WAITING), Referral.due_at <= now)
                .order_by(Referral.due_at)
                .limit(batch)
            )
        )
        # The shortest policy is one day: anything younger cannot be "left unanswered".
        unflagged = list(
            session.scalars(
                sa.select(Referral.id)
                .where(
                    Referral.status.in_(WAITING),
                    Referral.unanswered_flagged_at.is_(None),
                    Referral.sent_at <= now - timedelta(days=1),
                )
                .order_by(Referral.sent_at)
                .limit(batch)
            )
        )
        withdrawn = list(
            session.scalars(
                sa.select(Referral.id)
                .join(ConsentFact, ConsentFact.consent_id == Referral.consent_id)
                .where(Referral.status.in_(STOPPABLE), ConsentFact.withdrawn_at.is_not(None))
                .limit(batch)
            )
        )
        session.rollback()
    run.withdrawn = _each(session_factory, withdrawn, _withdraw(now))
    run.expired = _each(session_factory, overdue, lambda s, r: expire_if_overdue(s, r, now))
    run.flagged = _each(session_factory, unflagged, _flag(now))
    if run.expired or run.flagged or run.withdrawn:
        log.info(
            "referral deadlines",
            extra={"expired": run.expired, "flagged": run.flagged, "withdrawn": run.withdrawn},
        )
    return run
