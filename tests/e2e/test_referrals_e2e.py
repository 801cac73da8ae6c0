"""Issue 4 end to end, through the gateway, on real processes: a referral is sent, accepted,
and the receiver's linked case appears — in both run modes, and across a broker outage."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.e2e.conftest import STACK_SERVICES
from tests.e2e.referrals_world import referral_world
from tests.e2e.stack import Stack
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import wait_for
from tsunagu.demo.client import ApiFailure, GatewayClient

pytestmark = pytest.mark.e2e


def linked_case(receiver: GatewayClient, referral_id: str) -> Any:
    return receiver.get(f"/referrals/{referral_id}").get("linked_case_id")


def test_an_accepted_referral_opens_the_receivers_linked_case(any_stack: Stack) -> None:
    setup = referral_world(any_stack)
    case_id, consent_id = setup.case_with_consent()
    sent = setup.send(case_id, consent_id)
    assert sent["status"] == "sent"
    seen = setup.receiver.get(f"/referrals/{sent['id']}")
    assert seen["status"] == "viewed"
    assert seen["packet"]["person"]["display_name"] == "山田 太郎"
    assert "contact" not in seen["packet"]
    accepted = setup.receiver.post(f"/referrals/{sent['id']}/accept", {})
    assert accepted["status"] == "accepted"

    new_case = wait_for(lambda: linked_case(setup.receiver, sent["id"]), timeout=30, what="link")
    opened = setup.receiver.get(f"/cases/{new_case}")
    assert opened["origin_referral_id"] == sent["id"]
    assert opened["person"]["display_name"] == "山田 太郎"
    assert opened["person_key"] == setup.sender.get(f"/cases/{case_id}")["person_key"]
    # Isolation across the hand-off: neither side opens the other's case.
    with pytest.raises(ApiFailure) as theirs:
        setup.sender.get(f"/cases/{new_case}")
    assert theirs.value.response.status == 404
    with pytest.raises(ApiFailure) as mine:
        setup.receiver.get(f"/cases/{case_id}")
    assert mine.value.response.status == 404
    assert "linked_case_id" not in setup.sender.get(f"/referrals/{sent['id']}")

    done = setup.receiver.post(
        f"/referrals/{sent['id']}/complete", {"outcome": "got_help", "outcome_note": "参加中"}
    )
    assert done["status"] == "completed"
    assert setup.sender.get(f"/referrals/{sent['id']}")["outcome"]["code"] == "got_help"


def test_withdrawing_the_consent_stops_a_pending_referral_and_tells_the_sender(
    any_stack: Stack,
) -> None:
    setup = referral_world(any_stack)
    case_id, consent_id = setup.case_with_consent()
    sent = setup.send(case_id, consent_id)
    setup.sender.post(f"/consents/{consent_id}/withdraw", {"reason": "本人の希望"})
    wait_for(
        lambda: setup.sender.get(f"/referrals/{sent['id']}")["status"] == "withdrawn",
        timeout=30,
        what="withdrawal",
    )
    kinds = [n["kind"] for n in setup.sender.get("/notifications")["items"]]
    assert "consent_withdrawn" in kinds
    with pytest.raises(ApiFailure) as again:
        setup.send(case_id, consent_id)
    assert again.value.response.status == 422


def _via(url: str, port: int) -> str:
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{port}" if credentials else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture
def proxied_stack(pg_url: str, amqp_url: str) -> Iterator[tuple[Stack, TcpProxy]]:
    """A server-mode stack whose every process reaches RabbitMQ through a pausable proxy."""
    upstream = urlsplit(amqp_url)
    with (
        TcpProxy(upstream.hostname or "127.0.0.1", upstream.port or 5672) as proxy,
        tempfile.TemporaryDirectory() as scratch,
        Stack(
            Path(scratch), server=(pg_url, _via(amqp_url, proxy.port)), services=STACK_SERVICES
        ) as stack,
    ):
        yield stack, proxy
        proxy.restore()  # so the stack can delete its namespace


@pytest.mark.server
def test_the_linked_case_appears_once_the_broker_is_back(
    proxied_stack: tuple[Stack, TcpProxy],
) -> None:
    stack, proxy = proxied_stack
    setup = referral_world(stack)
    case_id, consent_id = setup.case_with_consent()
    sent = setup.send(case_id, consent_id)
    proxy.cut()
    accepted = setup.receiver.post(f"/referrals/{sent['id']}/accept", {})
    assert accepted["status"] == "accepted"  # HTTP and the database do not need the broker
    with stack.database("referrals") as connection:
        waiting = connection.exec_driver_sql(
            "SELECT count(*) FROM outbox WHERE type = 'referral.accepted' AND published_at IS NULL"
        ).scalar()
    assert waiting == 1
    assert linked_case(setup.receiver, sent["id"]) is None
    proxy.restore()
    new_case = wait_for(
        lambda: linked_case(setup.receiver, sent["id"]), timeout=90, what="link after outage"
    )
    assert setup.receiver.get(f"/cases/{new_case}")["origin_referral_id"] == sent["id"]
