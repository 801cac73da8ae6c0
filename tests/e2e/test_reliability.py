"""Issue 2 reliability, on the whole stack: the broker goes away while organizations are
being registered, comes back, and every org.* event reaches every consumer exactly once."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa

from common.testing.databases import server_broker_url, server_database_url
from tests.e2e.conftest import STACK_SERVICES
from tests.e2e.stack import Stack, wait_for
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.e2e

CONSUMERS = tuple(s for s in STACK_SERVICES if s != "auth")
ORGS = 12


def register_orgs(stack: Stack, count: int) -> list[str]:
    admin = stack.admin()
    consortium = admin.post(
        "/consortia", {"name": f"reliability {secrets.token_hex(3)}", "prefecture": "山梨県"}
    )
    return [
        admin.post(
            "/organizations",
            {
                "consortium_id": consortium["id"],
                "name": f"団体 {i}",
                "kind": "npo",
                "sector": "private",
            },
        )["id"]
        for i in range(count)
    ]


def directory_ids(stack: Stack, service: str) -> set[str]:
    with stack.database(service) as connection:
        return {
            str(r).replace("-", "")
            for r in connection.execute(sa.text("SELECT org_id FROM org_directory")).scalars()
        }


def processed_counts(stack: Stack, service: str) -> dict[str, int]:
    """How many times each org.registered event was applied by ``service``."""
    with stack.database(service) as connection:
        rows = connection.execute(
            sa.text(
                "SELECT event_id, count(*) FROM processed_events "
                "WHERE event_type = 'org.registered' GROUP BY event_id"
            )
        ).all()
    return {str(event_id): int(n) for event_id, n in rows}


def published_event_ids(stack: Stack, org_ids: list[str]) -> set[str]:
    wanted = {o.replace("-", "") for o in org_ids}
    with stack.database("auth") as connection:
        rows = connection.execute(
            sa.text("SELECT event_id, body FROM outbox WHERE type = 'org.registered'")
        ).all()
    import json

    return {
        str(event_id)
        for event_id, body in rows
        if json.loads(body)["subject_id"].replace("-", "") in wanted
    }


def assert_exactly_once(stack: Stack, org_ids: list[str]) -> None:
    wanted = {o.replace("-", "") for o in org_ids}
    events = published_event_ids(stack, org_ids)
    assert len(events) == len(org_ids)
    for service in CONSUMERS:
        wait_for(lambda s=service: wanted <= directory_ids(stack, s), timeout=60)
        counts = processed_counts(stack, service)
        applied = {e: counts.get(e) for e in events}
        assert all(n == 1 for n in applied.values()), (service, applied)


def test_events_written_while_the_relay_is_stopped_arrive_once_it_restarts(stack: Stack) -> None:
    stack.stop_process("auth-worker")
    try:
        org_ids = register_orgs(stack, ORGS)
        for service in CONSUMERS:
            assert not {o.replace("-", "") for o in org_ids} & directory_ids(stack, service)
    finally:
        stack.start_process("auth-worker")
    assert_exactly_once(stack, org_ids)


def test_a_relay_killed_mid_stream_loses_and_doubles_nothing(stack: Stack) -> None:
    org_ids = register_orgs(stack, ORGS)
    stack.stop_process("auth-worker", kill=True)
    stack.start_process("auth-worker")
    assert_exactly_once(stack, org_ids)


@pytest.fixture(scope="module")
def proxied_server_stack(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Stack, TcpProxy]]:
    database_url, broker_url = server_database_url(), server_broker_url()
    if not (database_url and broker_url):
        pytest.skip("server mode: set TSUNAGU_TEST_DATABASE_URL and TSUNAGU_TEST_BROKER_URL")
    parts = urlsplit(broker_url)
    with TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5672) as proxy:
        netloc = parts.netloc.rsplit("@", 1)
        host = f"{proxy.host}:{proxy.port}"
        proxied = urlunsplit(
            parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host)
        )
        workdir: Path = tmp_path_factory.mktemp("proxied")
        with Stack(workdir, server=(database_url, proxied), services=STACK_SERVICES) as stack:
            yield stack, proxy


@pytest.mark.server
def test_events_written_while_rabbitmq_is_unreachable_arrive_exactly_once(
    proxied_server_stack: tuple[Stack, TcpProxy],
) -> None:
    stack, proxy = proxied_server_stack
    proxy.cut()
    try:
        org_ids = register_orgs(stack, ORGS)
    finally:
        proxy.restore()
    assert_exactly_once(stack, org_ids)
