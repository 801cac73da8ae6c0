"""Every service that hears events refuses an ended credential's principal tokens from its
own revocation directory. Before: a principal token minted before a deactivation read and
wrote cases directly on the cases service for its whole life (5 minutes)."""

from __future__ import annotations

import importlib
import uuid
from dataclasses import replace

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.config import SERVICES
from common.messaging.envelope import Event
from common.messaging.topology import bindings
from common.revocation import REVOCATION_EVENT_TYPES
from common.service import ServiceDefinition
from common.testing.principals import Tenant, auth_header, make_principal


def heard(definition: ServiceDefinition, sessions: sessionmaker[Session], event: Event) -> None:
    with sessions() as session:
        definition.handlers()[event.type](session, event)
        session.commit()


def auth_event(type_: str, **data: str) -> Event:
    return Event(type=type_, producer="auth", data=data)


@pytest.mark.parametrize("name", [s for s in SERVICES if s != "auth"])
def test_every_service_that_hears_events_keeps_a_revocation_directory(name: str) -> None:
    definition: ServiceDefinition = importlib.import_module(f"services.{name}").SERVICE
    assert definition.revocation_model() is not None
    assert set(REVOCATION_EVENT_TYPES) <= set(definition.handlers())
    assert set(REVOCATION_EVENT_TYPES) <= set(bindings(name))


def test_a_revoked_sessions_principal_is_refused_for_reads_and_writes(
    client: FlaskClient, sessions: sessionmaker[Session], service_definition: ServiceDefinition
) -> None:
    principal = make_principal(Tenant.new())
    headers = auth_header(principal)
    assert client.get("/cases", headers=headers).status_code == 200
    assert principal.session_id
    heard(
        service_definition,
        sessions,
        auth_event(
            "session.revoked",
            session_id=principal.session_id,
            user_id=str(principal.user_id),
            reason="signed_out",
        ),
    )
    refused = client.get("/cases", headers=headers)
    assert refused.status_code == 401
    assert refused.json["code"] == "session_revoked"  # type: ignore[index]
    write = client.post("/cases", headers=headers, json={"person": {"display_name": "x"}})
    assert write.status_code == 401
    colleague = make_principal(Tenant(principal.org_id, principal.consortium_id))  # type: ignore[arg-type]
    assert client.get("/cases", headers=auth_header(colleague)).status_code == 200


def test_a_deactivated_user_is_refused_until_reactivated(
    client: FlaskClient, sessions: sessionmaker[Session], service_definition: ServiceDefinition
) -> None:
    principal = make_principal(Tenant.new())
    user = str(principal.user_id)
    heard(service_definition, sessions, auth_event("user.deactivated", user_id=user))
    assert client.get("/cases", headers=auth_header(principal)).json["code"] == "user_deactivated"  # type: ignore[index]
    heard(service_definition, sessions, auth_event("user.reactivated", user_id=user))
    fresh = replace(principal, session_id=str(uuid.uuid4()))
    assert client.get("/cases", headers=auth_header(fresh)).status_code == 200


def test_a_revoked_access_tokens_principal_is_refused(
    client: FlaskClient, sessions: sessionmaker[Session], service_definition: ServiceDefinition
) -> None:
    token_id = uuid.uuid4()
    principal = replace(make_principal(Tenant.new()), session_id=None, token_id=f"pat:{token_id}")
    heard(
        service_definition,
        sessions,
        auth_event(
            "token.revoked",
            token_id=str(token_id),
            user_id=str(principal.user_id),
            reason="revoked_by_owner",
        ),
    )
    assert client.get("/cases", headers=auth_header(principal)).json["code"] == "token_revoked"  # type: ignore[index]
