"""The auth worker: relays the outbox (org, user and credential events) to the broker,
sends the mail outbox, and forgets what no longer matters (old sign-in failures,
revocations older than any token)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from common.config import load_settings
from common.datakey import SecretBox, load_data_key
from common.db import make_engine, make_session_factory
from common.mail import MailDelivery, transport_from_url
from common.messaging.service_worker import run_service_worker
from common.messaging.worker import PeriodicTask
from services.auth import NAME
from services.auth.models import MailOutbox, OutboxEvent
from services.auth.operations.revocations import prune_feed
from services.auth.operations.throttle import prune_failures

MAIL_POLL_SECONDS = 0.5


def main() -> int:
    settings = load_settings()
    session_factory = make_session_factory(
        make_engine(settings.database_url(NAME), hide_parameters=True)
    )
    mail = MailDelivery(
        session_factory=session_factory,
        model=MailOutbox,
        box=SecretBox(load_data_key(settings.data_key, settings.keys_dir)),
        transport=transport_from_url(settings.mail_url),
        sender=settings.mail_from,
    )
    return run_service_worker(
        service=NAME,
        settings=settings,
        session_factory=session_factory,
        outbox_model=OutboxEvent,
        periodic=[
            PeriodicTask("send-mail", MAIL_POLL_SECONDS, lambda: _discard(mail.run_once())),
            PeriodicTask("prune-mail", 3600, lambda: _discard(mail.prune())),
            PeriodicTask("prune-failures-and-revocations", 600, lambda: _prune(session_factory)),
        ],
    )


def _prune(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        prune_failures(session)
        prune_feed(session)


def _discard(_: object) -> None:
    return None
