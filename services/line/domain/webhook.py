"""The webhook's signature and body (https://developers.line.biz/en/reference/messaging-api/
#signature-validation): base64 HMAC-SHA256 of the raw body, keyed by the channel secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MAX_WEBHOOK_BYTES = 1024 * 1024
"""A body over 1 MiB is refused (413) before its signature is even computed."""


def signature_of(body: bytes, secret: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_matches(body: bytes, signature: str | None, secrets: Iterable[str]) -> bool:
    """True when ``signature`` is the body's under any of ``secrets`` (a rotation accepts the
    old and the new). The raw bytes are signed: LINE escapes emoji as \\uXXXX, so parsing and
    re-serialising would change them. Every secret is tried, in constant time each."""
    if not signature:
        return False
    given = signature.strip().encode("ascii", "replace")
    matched = False
    for secret in secrets:
        matched |= hmac.compare_digest(signature_of(body, secret).encode("ascii"), given)
    return matched


class MalformedBody(ValueError):
    """Signed, but not a LINE webhook body (a JSON object with an ``events`` list)."""


@dataclass(frozen=True)
class RawEvent:
    """One event of a body, as stored before it is parsed: enough to deduplicate and order."""

    webhook_event_id: str
    event_type: str
    timestamp_ms: int
    raw: str
    redelivery: bool
    problem: str | None
    line_message_id: str | None = None
    """A message event's message id: an ``unsend`` later erases this raw event too."""
    """Set when even these few fields are missing: the event is stored flagged, not dropped."""


def split_events(body: bytes) -> list[RawEvent]:
    """The body's events, each kept as its own JSON text (the signature was checked on the
    raw bytes already, so re-serialising one event changes nothing that matters)."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedBody("the body is not JSON") from exc
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise MalformedBody("the body has no events list")
    return [_raw_event(item) for item in document["events"]]


def _raw_event(item: Any) -> RawEvent:
    raw = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
    fingerprint = "sha256:" + hashlib.sha256(raw.encode()).hexdigest()[:56]
    if not isinstance(item, dict):
        return RawEvent(fingerprint, "malformed", 0, raw, False, "the event is not an object")
    problems = []
    event_id = item.get("webhookEventId")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 64:
        problems.append("webhookEventId")
        event_id = fingerprint
    event_type = item.get("type")
    if not isinstance(event_type, str) or not 0 < len(event_type) <= 40:
        problems.append("type")
        event_type = "malformed"
    timestamp = item.get("timestamp")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        problems.append("timestamp")
        timestamp = 0
    context = item.get("deliveryContext")
    redelivery = isinstance(context, dict) and context.get("isRedelivery") is True
    problem = ("missing or invalid: " + ", ".join(problems)) if problems else None
    message = item.get("message")
    message_id = message.get("id") if isinstance(message, dict) else None
    return RawEvent(
        event_id,
        event_type,
        min(timestamp, 2**62),
        raw,
        redelivery,
        problem,
        message_id if isinstance(message_id, str) and 0 < len(message_id) <= 64 else None,
    )


def redacted(raw: str) -> str:
    """The raw event without what its user said or sent: the envelope stays (type, ids,
    timestamp) so the row still deduplicates and explains itself."""
    try:
        event = json.loads(raw)
    except ValueError:
        return "{}"
    if not isinstance(event, dict):
        return "{}"
    message = event.get("message")
    if isinstance(message, dict):
        event["message"] = {k: message[k] for k in ("id", "type") if k in message}
        event["message"]["redacted"] = True
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))
