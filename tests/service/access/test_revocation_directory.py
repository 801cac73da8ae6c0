"""The revocation directory every service keeps (common/revocation.py), on a scratch table:
events applied in any order and twice, the per-request gate, pruning."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Session

from common.clock import utcnow
from common.db import TYPE_ANNOTATION_MAP, new_metadata
from common.messaging.envelope import Event
from common.revocation import (
    RevokedCredentialMixin,
    apply_revocation_event,
    prune_revocations,
    revocation_gate,
    revocation_handlers,
)
from common.testing.principals import Tenant, make_principal


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP


class RevokedCredential(RevokedCredentialMixin, Base):
    pass


@pytest.fixture
def session() -> Iterator[Session]:
    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def event(type_: str, ago: float = 0, **data: str) -> Event:
    return Event(
        type=type_,
        producer="auth",
        data=data,
        occurred_at=utcnow() - timedelta(seconds=ago),
    )


def test_a_revoked_session_refuses_its_principal_and_no_other(session: Session) -> None:
    gate = revocation_gate(RevokedCredential)
    principal = make_principal(Tenant.new())
    assert principal.session_id
    other = make_principal(Tenant.new())
    apply_revocation_event(
        session,
        RevokedCredential,
        event(
            "session.revoked",
            session_id=str(uuid.UUID(principal.session_id)),
            user_id=str(principal.user_id),
            reason="signed_out",
        ),
    )
    session.commit()
    assert gate(session, principal) == "session_revoked"
    assert gate(session, other) is None


def test_a_revoked_token_refuses_principals_minted_from_it(session: Session) -> None:
    from dataclasses import replace

    token_id = uuid.uuid4()
    principal = replace(make_principal(Tenant.new()), session_id=None, token_id=f"pat:{token_id}")
    handle = revocation_handlers(RevokedCredential)["token.revoked"]
    handle(
        session,
        event(
            "token.revoked",
            token_id=str(token_id),
            user_id=str(principal.user_id),
            reason="revoked_by_owner",
        ),
    )
    session.commit()
    assert revocation_gate(RevokedCredential)(session, principal) == "token_revoked"


def test_deactivation_and_reactivation_in_any_order_and_twice(session: Session) -> None:
    gate = revocation_gate(RevokedCredential)
    principal = make_principal(Tenant.new())
    user = str(principal.user_id)
    deactivated = event("user.deactivated", ago=10, user_id=user)
    reactivated = event("user.reactivated", ago=5, user_id=user)
    for order in ([deactivated, reactivated, deactivated], [reactivated, deactivated, reactivated]):
        session.execute(sa.delete(RevokedCredential))
        for e in order:
            apply_revocation_event(session, RevokedCredential, e)
            session.flush()
        assert gate(session, principal) is None, order
    apply_revocation_event(session, RevokedCredential, event("user.deactivated", user_id=user))
    assert gate(session, principal) == "user_deactivated"


def test_an_event_without_a_valid_id_is_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="session_id"):
        apply_revocation_event(session, RevokedCredential, event("session.revoked", session_id="x"))


def test_old_session_and_token_revocations_are_pruned_deactivations_stay(session: Session) -> None:
    day = 24 * 3600
    for type_, key in (
        ("session.revoked", "session_id"),
        ("token.revoked", "token_id"),
        ("user.deactivated", "user_id"),
    ):
        apply_revocation_event(
            session, RevokedCredential, event(type_, ago=2 * day, **{key: str(uuid.uuid4())})
        )
    apply_revocation_event(
        session, RevokedCredential, event("session.revoked", session_id=str(uuid.uuid4()))
    )
    session.commit()
    assert prune_revocations(session, RevokedCredential) == 2
    kinds = sorted(session.scalars(sa.select(RevokedCredential.kind)))
    assert kinds == ["session", "user"]
