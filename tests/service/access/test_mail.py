"""common/mail.py: transports from URLs, a real SMTP conversation, and the mail outbox that
loses nothing while the relay is down."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from common.clock import utcnow
from common.datakey import SecretBox
from common.db import TYPE_ANNOTATION_MAP, new_metadata
from common.mail import (
    Mail,
    MailDelivery,
    MaildirTransport,
    MailOutboxMixin,
    SmtpTransport,
    describe_url,
    messages_to,
    queue_mail,
    text_of,
    transport_from_url,
)


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP


class MailOutbox(MailOutboxMixin, Base):
    pass


BOX = SecretBox(Fernet.generate_key())
MAIL = Mail(
    to="staff@example.jp",
    subject="【つなぐ】招待",
    text="リンク: https://portal.example/invitations/abc",
)


class SmtpSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP (RFC 5321) to receive messages in a test."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.received: list[bytes] = []
        self.recipients: list[str] = []


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: SmtpSink

    def handle(self) -> None:
        self.wfile.write(b"220 sink ESMTP\r\n")
        while line := self.rfile.readline():
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.wfile.write(b"250 sink\r\n")
            elif command.startswith("MAIL FROM"):
                self.wfile.write(b"250 ok\r\n")
            elif command.startswith("RCPT TO"):
                self.server.recipients.append(line.decode().split(":", 1)[1].strip(" <>\r\n"))
                self.wfile.write(b"250 ok\r\n")
            elif command == "DATA":
                self.wfile.write(b"354 go ahead\r\n")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.server.received.append(data)
                self.wfile.write(b"250 queued\r\n")
            elif command == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"502 no\r\n")


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    server = SmtpSink()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'mail.sqlite3'}")
    Base.metadata.create_all(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


class Flaky:
    """A relay that is down until told otherwise."""

    def __init__(self, inner: MaildirTransport) -> None:
        self.inner = inner
        self.up = False

    def send(self, message: object) -> None:
        if not self.up:
            raise ConnectionRefusedError("relay down")
        self.inner.send(message)  # type: ignore[arg-type]


def test_urls_choose_the_transport() -> None:
    maildir = transport_from_url("maildir:///var/lib/tsunagu/mail")
    assert isinstance(maildir, MaildirTransport)
    assert maildir.path == Path("/var/lib/tsunagu/mail")
    plain = transport_from_url("smtp://mailpit:1025")
    assert isinstance(plain, SmtpTransport)
    assert (plain.host, plain.port, plain.implicit_tls, plain.username) == (
        "mailpit",
        1025,
        False,
        None,
    )
    tls = transport_from_url("smtps://relay%40pref:p%40ss@smtp.example.jp:465")
    assert isinstance(tls, SmtpTransport)
    assert (tls.username, tls.password, tls.implicit_tls) == ("relay@pref", "p@ss", True)
    assert "p%40ss" not in describe_url("smtps://relay:p%40ss@smtp.example.jp:465")
    for bad in ("http://example.jp", "smtp://", "maildir://"):
        with pytest.raises(ValueError, match="TSUNAGU_MAIL_URL"):
            transport_from_url(bad)


def test_a_message_goes_through_a_real_smtp_conversation(smtp: SmtpSink) -> None:
    port = smtp.server_address[1]
    transport = transport_from_url(f"smtp://127.0.0.1:{port}")
    from common.mail import build_message

    transport.send(build_message(MAIL, "Tsunagu <no-reply@portal.example>"))
    assert smtp.recipients == ["staff@example.jp"]
    received = message_from_bytes(smtp.received[0], policy=policy.default)
    assert str(received["Subject"]) == "【つなぐ】招待"
    assert "https://portal.example/invitations/abc" in received.get_body().get_content()  # type: ignore[union-attr]
    assert received["Auto-Submitted"] == "auto-generated"


def test_nothing_is_lost_while_the_relay_is_down(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    flaky = Flaky(MaildirTransport(tmp_path / "mail"))
    now = [utcnow()]
    delivery = MailDelivery(
        session_factory=sessions,
        model=MailOutbox,
        box=BOX,
        transport=flaky,
        sender="t@x.jp",
        clock=lambda: now[0],
    )
    with sessions() as session:
        queue_mail(session, MailOutbox, BOX, MAIL, kind="invitation")
        session.commit()
    now[0] = utcnow()
    assert delivery.run_once() == 0
    assert delivery.run_once() == 0  # not due yet: it waits before trying again
    with sessions() as session:
        row = session.scalars(sa.select(MailOutbox)).one()
        assert row.attempts == 1
        assert row.last_error == "ConnectionRefusedError"
        assert row.sent_at is None
        assert row.sealed
    flaky.up = True
    now[0] += timedelta(seconds=6)
    assert delivery.run_once() == 1
    [message] = messages_to(tmp_path / "mail", "staff@example.jp")
    assert "invitations/abc" in text_of(message)
    assert delivery.run_once() == 0  # sent once
    with sessions() as session:
        row = session.scalars(sa.select(MailOutbox)).one()
        assert row.sent_at is not None
        assert row.sealed is None


def test_a_mail_no_longer_worth_sending_is_given_up(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    flaky = Flaky(MaildirTransport(tmp_path / "mail"))
    delivery = MailDelivery(
        session_factory=sessions, model=MailOutbox, box=BOX, transport=flaky, sender="t@x.jp"
    )
    with sessions() as session:
        queue_mail(
            session,
            MailOutbox,
            BOX,
            MAIL,
            kind="invitation",
            not_after=utcnow() - timedelta(seconds=1),
        )
        session.commit()
    flaky.up = True
    assert delivery.run_once() == 0
    assert messages_to(tmp_path / "mail", "staff@example.jp") == []
    with sessions() as session:
        row = session.scalars(sa.select(MailOutbox)).one()
        assert row.gave_up_at is not None
        assert row.sealed is None


def test_an_unreachable_smtp_port_is_retried_not_raised(sessions: sessionmaker[Session]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    delivery = MailDelivery(
        session_factory=sessions,
        model=MailOutbox,
        box=BOX,
        transport=transport_from_url(f"smtp://127.0.0.1:{port}"),
        sender="t@x.jp",
    )
    with sessions() as session:
        queue_mail(session, MailOutbox, BOX, MAIL, kind="notice")
        session.commit()
    assert delivery.run_once() == 0
    with sessions() as session:
        assert session.scalars(sa.select(MailOutbox.sent_at)).one() is None
