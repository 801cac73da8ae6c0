"""E-mail: invitations and notices, sent so that none is lost when the mail server is down.

``TSUNAGU_MAIL_URL`` chooses the transport:

- ``maildir://<path>`` (the default: ``<data dir>/mail``) writes each message as a file under
  ``<path>/new/``, where a developer, the demo or a test reads it;
- ``smtp://[user:password@]host:port`` hands it to a relay (a mail catcher in
  docker-compose); ``smtps://user:password@host:port`` speaks TLS from the first byte.

Mail goes through an outbox, like events: a service declares
``class MailOutbox(MailOutboxMixin, Base)`` in its models, calls :func:`queue_mail` in the
same transaction as the change that causes the mail, and its worker — built by its
definition (common.service) — runs :class:`MailDelivery` every half second. The message
is sealed with the data key while it waits (an invitation mail carries a secret link) and
dropped once sent. A relay that is down delays the mail, with growing pauses, until it
answers or the mail is no longer worth sending (``not_after``).

Mail carries no personal data of a supported person: only a link into the portal.
"""

from __future__ import annotations

import json
import logging
import mailbox
import smtplib
import ssl
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Protocol, cast
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from common.clock import utcnow
from common.datakey import SecretBox

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 20.0
CLAIM_SECONDS = 300.0
"""A claimed mail is left alone this long: if the sender dies mid-send it goes out again
(at least once), and two workers never send it at the same moment."""
MAX_PAUSE = timedelta(hours=1)
SENT_KEPT = timedelta(days=7)


@dataclass(frozen=True)
class Mail:
    """One message to one person: plain text, UTF-8."""

    to: str
    subject: str
    text: str


def build_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(utcnow())
    domain = sender.rsplit("@", 1)[-1].rstrip(">").strip() or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(mail.text)
    return message


# --- transports ------------------------------------------------------------------------


class MailTransport(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver or raise ``OSError``/``smtplib.SMTPException``."""


class MaildirTransport:
    """Each message a file under ``<path>/new/`` (written in ``tmp/``, then moved)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, message: EmailMessage) -> None:
        for folder in ("tmp", "new", "cur"):
            (self.path / folder).mkdir(parents=True, exist_ok=True)
        box = mailbox.Maildir(self.path, create=False)
        try:
            box.add(message)
        finally:
            box.close()


class SmtpTransport:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        implicit_tls: bool = False,
        timeout: float = SMTP_TIMEOUT_SECONDS,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.implicit_tls = implicit_tls
        self.timeout = timeout

    def send(self, message: EmailMessage) -> None:
        client: smtplib.SMTP
        if self.implicit_tls:
            client = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)


def transport_from_url(url: str) -> MailTransport:
    """``maildir:///abs/path``, ``smtp://host:port`` or ``smtps://user:password@host:port``."""
    parts = urlsplit(url)
    if parts.scheme == "maildir":
        path = unquote(parts.netloc + parts.path)
        if not path:
            raise ValueError("TSUNAGU_MAIL_URL: maildir:// needs a path")
        return MaildirTransport(Path(path))
    if parts.scheme in {"smtp", "smtps"}:
        if not parts.hostname:
            raise ValueError("TSUNAGU_MAIL_URL: smtp needs a host")
        implicit_tls = parts.scheme == "smtps"
        return SmtpTransport(
            parts.hostname,
            parts.port or (465 if implicit_tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=implicit_tls,
        )
    raise ValueError(f"TSUNAGU_MAIL_URL: unknown scheme {parts.scheme!r}")


def maildir_path(url: str) -> Path | None:
    """The folder of a ``maildir://`` URL (None for SMTP)."""
    transport = transport_from_url(url)
    return transport.path if isinstance(transport, MaildirTransport) else None


def describe_url(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return parts._replace(netloc=netloc).geturl()
    return url


# --- the mail outbox -------------------------------------------------------------------


class MailOutboxMixin:
    """Mail waiting to be sent (and, for a week, mail sent). The message is sealed."""

    __tablename__ = "mail_outbox"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(sa.String(40))
    """What it is (``invitation``, a notice's name): for logs and counts, never content."""
    sealed: Mapped[str | None] = mapped_column(sa.Text())
    """The recipient, subject and text, sealed with the data key; None once sent."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
    not_after: Mapped[datetime | None]
    """Not worth sending after this (an invitation that has expired)."""
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    gave_up_at: Mapped[datetime | None]


def queue_mail(
    session: Session,
    model: type[MailOutboxMixin],
    box: SecretBox,
    mail: Mail,
    *,
    kind: str,
    not_after: datetime | None = None,
) -> MailOutboxMixin:
    """Put ``mail`` in the outbox in the caller's transaction."""
    sealed = box.seal(json.dumps({"to": mail.to, "subject": mail.subject, "text": mail.text}))
    row: MailOutboxMixin = cast(Any, model)(
        id=uuid.uuid4(),
        kind=kind,
        sealed=sealed,
        created_at=utcnow(),
        next_attempt_at=utcnow(),
        attempts=0,
        not_after=not_after,
    )
    session.add(row)
    return row


def pause_after(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … doubling, at most an hour, between tries."""
    return min(MAX_PAUSE, timedelta(seconds=5 * 2 ** max(0, attempts - 1)))


class MailDelivery:
    """Sends what is due from one service's mail outbox. Runs in the service's worker."""

    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        model: type[MailOutboxMixin],
        box: SecretBox,
        transport: MailTransport,
        sender: str,
        batch: int = 20,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.session_factory = session_factory
        self.model = model
        self.box = box
        self.transport = transport
        self.sender = sender
        self.batch = batch
        self.clock = clock

    def _claim(self) -> list[tuple[uuid.UUID, str, datetime | None]]:
        """Due mail, pushed ``CLAIM_SECONDS`` into the future so nobody else takes it while
        it is being sent; the transaction is short and holds no lock during the send."""
        model = self.model
        now = self.clock()
        with self.session_factory() as session:
            rows = list(
                session.scalars(
                    sa.select(model)
                    .where(
                        model.sent_at.is_(None),
                        model.gave_up_at.is_(None),
                        model.next_attempt_at <= now,
                    )
                    .order_by(model.next_attempt_at)
                    .limit(self.batch)
                    .with_for_update(skip_locked=True)
                )
            )
            claimed = []
            for row in rows:
                row.next_attempt_at = now + timedelta(seconds=CLAIM_SECONDS)
                row.attempts += 1
                claimed.append((row.id, row.sealed or "", row.not_after))
            session.commit()
        return claimed

    def _settle(self, mail_id: uuid.UUID, **values: Any) -> None:
        with self.session_factory() as session:
            session.execute(sa.update(self.model).where(self.model.id == mail_id).values(**values))
            session.commit()

    def run_once(self) -> int:
        """Send every due mail once; returns how many were sent."""
        sent = 0
        for mail_id, sealed, not_after in self._claim():
            now = self.clock()
            if not_after is not None and not_after <= now:
                self._settle(mail_id, gave_up_at=now, sealed=None, last_error="expired")
                log.warning("mail no longer worth sending", extra={"mail_id": str(mail_id)})
                continue
            try:
                fields = json.loads(self.box.open(sealed))
                message = build_message(Mail(**fields), self.sender)
                self.transport.send(message)
            except (OSError, smtplib.SMTPException) as exc:
                attempts = self._attempts(mail_id)
                self._settle(
                    mail_id,
                    next_attempt_at=now + pause_after(attempts),
                    last_error=type(exc).__name__,
                )
                log.warning(
                    "mail not sent; will try again",
                    extra={"mail_id": str(mail_id), "error": type(exc).__name__},
                    exc_info=True,
                )
                continue
            except ValueError:  # the data key changed: nobody can ever open this mail
                self._settle(mail_id, gave_up_at=now, sealed=None, last_error="unreadable")
                log.error(
                    "mail cannot be opened with the data key", extra={"mail_id": str(mail_id)}
                )
                continue
            self._settle(mail_id, sent_at=self.clock(), sealed=None, last_error=None)
            sent += 1
        return sent

    def _attempts(self, mail_id: uuid.UUID) -> int:
        with self.session_factory() as session:
            return int(
                session.scalar(sa.select(self.model.attempts).where(self.model.id == mail_id)) or 1
            )

    def prune(self, kept: timedelta = SENT_KEPT) -> int:
        """Forget mail sent (or given up) longer ago than ``kept``."""
        cutoff = self.clock() - kept
        model = self.model
        with self.session_factory() as session:
            result = session.execute(
                sa.delete(model).where(sa.or_(model.sent_at < cutoff, model.gave_up_at < cutoff))
            )
            session.commit()
            return int(cast(Any, result).rowcount or 0)


# --- reading a Maildir (developers, the demo, tests) -----------------------------------


def read_maildir(path: Path) -> list[EmailMessage]:
    """Every message under ``path/new`` and ``path/cur``, oldest first."""
    files: list[Path] = []
    for folder in ("new", "cur"):
        if (path / folder).is_dir():
            files.extend(p for p in (path / folder).iterdir() if p.is_file())
    files.sort(key=lambda p: (p.stat().st_mtime, p.name))
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(p.read_bytes()) for p in files]


def messages_to(path: Path, address: str) -> list[EmailMessage]:
    wanted = address.strip().lower()
    return [m for m in read_maildir(path) if str(m["To"]).strip().lower() == wanted]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return cast(str, part.get_content()) if part is not None else ""


def wait_for_mail(
    path: Path, address: str, *, timeout: float = 15.0, count: int = 1
) -> list[EmailMessage]:
    """The messages to ``address`` once there are at least ``count`` (else TimeoutError)."""
    deadline = time.monotonic() + timeout
    while True:
        found = messages_to(path, address)
        if len(found) >= count:
            return found
        if time.monotonic() >= deadline:
            raise TimeoutError(f"no mail to {address} in {path} after {timeout} s")
        time.sleep(0.1)


def links_in(message: EmailMessage) -> Iterator[str]:
    for word in text_of(message).split():
        if word.startswith(("http://", "https://")):
            yield word
