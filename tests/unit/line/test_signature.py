"""Signature vectors: base64 HMAC-SHA256 of the raw body, keyed by the channel secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from linebot.v3.webhook import SignatureValidator

from services.line.domain.webhook import signature_matches, signature_of, split_events

SECRET = "testsecret"


# Computed independently: printf '%s' BODY | openssl dgst -sha256 -hmac testsecret -binary | base64
VECTORS = [
    (b'{"destination":"U0","events":[]}', "gRM7CuYTzNkYFQE8Cr/LnqWq8Q1y6k8cFzWU8qk5DFA="),
    (b'{"events":[{"text":"\\ud83d\\ude00"}]}', "rlfLAvfAY2dCW17M3OBxAXgn4lhFyJOr4+QiXrNaMq4="),
]


@pytest.mark.parametrize(("body", "expected"), VECTORS)
def test_the_signature_of_a_known_body_matches_a_vector_computed_by_openssl(
    body: bytes, expected: str
) -> None:
    assert signature_of(body, SECRET) == expected
    assert signature_matches(body, expected, [SECRET])
    own = base64.b64encode(hmac.new(b"testsecret", body, hashlib.sha256).digest()).decode()
    assert own == expected


def test_escaped_emoji_are_signed_as_sent_and_re_serialising_breaks_the_signature() -> None:
    raw = b'{"events":[{"type":"message","message":{"text":"\\ud83d\\ude00\\u3042"}}]}'
    signature = signature_of(raw, SECRET)
    assert signature_matches(raw, signature, [SECRET])
    assert SignatureValidator(SECRET).validate(raw.decode(), signature)  # the SDK agrees
    reserialised = json.dumps(json.loads(raw), ensure_ascii=False).encode()
    assert reserialised != raw
    assert not signature_matches(reserialised, signature, [SECRET])


def test_a_missing_empty_or_wrong_signature_does_not_match() -> None:
    body = b'{"events":[]}'
    assert not signature_matches(body, None, [SECRET])
    assert not signature_matches(body, "", [SECRET])
    assert not signature_matches(body, signature_of(body, "other"), [SECRET])
    assert not signature_matches(body, "ünïcode", [SECRET])
    assert not signature_matches(body, signature_of(body, SECRET), [])


def test_any_secret_of_a_rotation_matches() -> None:
    body = b'{"events":[]}'
    assert signature_matches(body, signature_of(body, "old-secret"), ["new-secret", "old-secret"])


def test_each_event_is_split_out_with_what_orders_and_deduplicates_it() -> None:
    body = json.dumps(
        {
            "destination": "U0",
            "events": [
                {
                    "type": "follow",
                    "timestamp": 5,
                    "webhookEventId": "E1",
                    "deliveryContext": {"isRedelivery": True},
                },
                {"type": "message"},
                7,
            ],
        }
    ).encode()
    first, second, third = split_events(body)
    assert (first.webhook_event_id, first.event_type, first.timestamp_ms) == ("E1", "follow", 5)
    assert first.redelivery
    assert first.problem is None
    assert second.problem is not None
    assert "webhookEventId" in second.problem
    assert second.webhook_event_id.startswith("sha256:")
    assert third.event_type == "malformed"
