"""The envelope survives the wire unchanged, and anything else is a poison message."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from common.messaging.envelope import Event, MalformedEvent


def test_an_event_survives_a_json_round_trip_unchanged() -> None:
    event = Event(
        type="case.opened",
        producer="cases",
        data={"person_key": str(uuid.uuid4()), "名前": "なし"},
        org_id=uuid.uuid4(),
        consortium_id=uuid.uuid4(),
        actor_id=uuid.uuid4(),
        subject_id=uuid.uuid4(),
        version=2,
        occurred_at=datetime(2024, 4, 1, 9, 30, tzinfo=UTC),
        request_id="req-12345678",
    )
    assert Event.from_json(event.to_json()) == event
    assert Event.from_json(event.to_json().encode()) == event


def test_the_routing_key_is_the_event_type() -> None:
    assert Event(type="referral.sent", producer="referrals", data={}).routing_key == (
        "referral.sent"
    )


def test_a_naive_occurred_at_is_read_as_japan_time_and_stored_as_utc() -> None:
    event = Event(type="case.opened", producer="cases", data={}, occurred_at=datetime(2024, 4, 1))
    assert event.occurred_at == datetime(2024, 3, 31, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not an object"),
        (b'{"type": "case.opened"}', "missing fields"),
    ],
)
def test_a_body_that_is_not_an_envelope_is_malformed(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedEvent):
        Event.from_json(body)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "not-a-uuid"),
        ("id", None),
        ("type", "Case Opened"),
        ("org_id", "12"),
        ("occurred_at", "yesterday"),
        ("version", "two"),
        ("data", ["not", "an", "object"]),
    ],
)
def test_an_envelope_with_a_bad_field_is_malformed(field: str, value: object) -> None:
    raw = json.loads(Event(type="case.opened", producer="cases", data={}).to_json())
    raw[field] = value
    with pytest.raises(MalformedEvent):
        Event.from_json(json.dumps(raw))
