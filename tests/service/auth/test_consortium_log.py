"""The consortium admin's own log, and the members' address and representative that
provision records (APPI art. 29/30) need."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.testing.principals import auth_header, make_principal
from services.auth.models import AuditEntry, Organization, OutboxEvent
from tests.service.auth.factories import Factory


def test_the_consortium_admin_reads_her_own_log_with_names(
    client: FlaskClient, make: Factory
) -> None:
    center = make.tenant(kind="prefectural_center", role="consortium_admin")
    headers = auth_header(center.principal)
    member = make.org(center.consortium_id)
    member_admin = make.user(member, "org_admin")
    client.post(f"/organizations/{member}/suspend", headers=headers, json={"reason": "会費未納"})
    client.post(f"/organizations/{member}/reinstate", headers=headers, json={"reason": "納付済"})
    client.post(
        f"/organizations/{member}/users",
        headers=headers,
        json={"email": "liaison@center.example", "name": "連絡員", "role": "consortium_admin"},
    )
    client.patch(f"/consortia/{center.consortium_id}", headers=headers, json={"mfa_required": True})
    # The member's own admin edits the member: that is the member's log, not hers.
    client.patch(
        f"/organizations/{member}",
        headers=auth_header(member_admin.principal),
        json={"address": "鹿児島市"},
    )
    log = client.get(f"/consortia/{center.consortium_id}/audit", headers=headers)
    assert log.status_code == 200, log.json
    items = log.json["items"]
    assert [i["action"] for i in items] == [
        "consortium.update",
        "user.invite",
        "org.reinstate",
        "org.suspend",
    ]
    suspension = items[-1]
    assert suspension["purpose"] == "会費未納"
    assert suspension["actor_name"] == "consortium_admin さん"
    assert suspension["org_name"].startswith("団体 ")
    assert suspension["actor_org_name"].startswith("団体 ")
    only_suspensions = client.get(
        f"/consortia/{center.consortium_id}/audit",
        headers=headers,
        query_string={"resource_id": str(member), "limit": 1},
    ).json
    assert len(only_suspensions["items"]) == 1
    assert only_suspensions["next_cursor"]


def test_nobody_else_reads_a_consortium_log(client: FlaskClient, make: Factory) -> None:
    center = make.tenant(kind="prefectural_center", role="consortium_admin")
    other_center = make.tenant(kind="prefectural_center", role="consortium_admin")
    member_admin = make.user(make.org(center.consortium_id), "org_admin")
    path = f"/consortia/{center.consortium_id}/audit"
    assert client.get(path, headers=auth_header(other_center.principal)).status_code == 404
    assert client.get(path, headers=auth_header(member_admin.principal)).status_code == 404
    assert client.get(path, headers=auth_header(make_principal(role="staff"))).status_code == 404
    platform = make.user(None, "platform_admin")
    assert client.get(path, headers=auth_header(platform.principal)).status_code == 200


def test_a_bad_filter_is_422(client: FlaskClient, make: Factory) -> None:
    center = make.tenant(kind="prefectural_center", role="consortium_admin")
    for query in ({"limit": 0}, {"actor_id": "not-a-uuid"}, {"from": "someday"}):
        answer = client.get(
            f"/consortia/{center.consortium_id}/audit",
            headers=auth_header(center.principal),
            query_string=query,
        )
        assert answer.status_code == 422, query


def test_an_org_admin_sets_address_and_representative_and_the_event_carries_them(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    admin = make.tenant(role="org_admin")
    answer = client.patch(
        f"/organizations/{admin.org_id}",
        headers=auth_header(admin.principal),
        json={"address": "鹿児島県鹿児島市山下町11-1", "representative": "理事長 西郷 一郎"},
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["address"] == "鹿児島県鹿児島市山下町11-1"
    with sessions() as session:
        [body] = session.scalars(
            sa.select(OutboxEvent.body).where(OutboxEvent.type == "org.updated")
        ).all()
    data = json.loads(body)["data"]
    assert data["address"] == "鹿児島県鹿児島市山下町11-1"
    assert data["representative"] == "理事長 西郷 一郎"


def test_bad_address_or_representative_is_422_and_changes_nothing(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    admin = make.tenant(role="org_admin")
    for body in ({"address": "x" * 301}, {"representative": "x" * 201}, {"address": 12}):
        answer = client.patch(
            f"/organizations/{admin.org_id}", headers=auth_header(admin.principal), json=body
        )
        assert answer.status_code == 422, body
    with sessions() as session:
        org = session.get(Organization, admin.org_id)
        assert org is not None
        assert org.address is None
        assert session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)) == 0
        assert (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "org.update")
            )
            == 0
        )


def test_another_tenants_org_is_404_for_the_edit(client: FlaskClient, make: Factory) -> None:
    admin = make.tenant(role="org_admin")
    other = make.tenant(role="org_admin")
    answer = client.patch(
        f"/organizations/{other.org_id}",
        headers=auth_header(admin.principal),
        json={"representative": "私"},
    )
    assert answer.status_code == 404
