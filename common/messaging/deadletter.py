"""Operations on the dead-letter queue, for the ops CLI: look at what failed, then replay it
once the cause (a bug, a missing reference) is fixed.

Both work the same on RabbitMQ and the embedded broker, through kombu's ``basic_get``.
"""

from __future__ import annotations

import json
from typing import Any

from common.messaging import topology
from common.messaging.broker import Publisher, connect, declare_topology, open_connection
from common.messaging.consumer import (
    ATTEMPTS_HEADER,
    CONSUMER_HEADER,
    ERROR_HEADER,
    FAILED_AT_HEADER,
    QUEUE_HEADER,
    ROUTING_KEY_HEADER,
)

_DEAD_LETTER_HEADERS = (
    ATTEMPTS_HEADER,
    CONSUMER_HEADER,
    ERROR_HEADER,
    FAILED_AT_HEADER,
    QUEUE_HEADER,
    ROUTING_KEY_HEADER,
)


def _routing_key(message: Any) -> str:
    headers = message.headers or {}
    return str(headers.get(ROUTING_KEY_HEADER) or message.delivery_info.get("routing_key") or "")


def _describe(message: Any) -> dict[str, Any]:
    headers = dict(message.headers or {})
    body = message.body
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    try:
        event_id = json.loads(text).get("id")
    except (ValueError, AttributeError, RecursionError):  # a dead letter may be anything
        event_id = None
    return {
        "event_id": event_id or message.properties.get("message_id"),
        "type": _routing_key(message),
        "queue": headers.get(QUEUE_HEADER),
        "consumer": headers.get(CONSUMER_HEADER),
        "error": headers.get(ERROR_HEADER),
        "attempts": headers.get(ATTEMPTS_HEADER),
        "failed_at": headers.get(FAILED_AT_HEADER),
        "body": text,
        "headers": headers,
    }


def list_dead_letters(url: str, namespace: str, limit: int = 100) -> list[dict[str, Any]]:
    """Up to ``limit`` dead letters, oldest first, left in the queue (taken, then requeued)."""
    with connect(url) as connection:
        declare_topology(open_connection(connection), namespace)
        channel = connection.channel()
        queue = topology.dead_letter_queue(namespace)(channel)
        taken: list[Any] = []
        try:
            while len(taken) < limit:
                message = queue.get(no_ack=False)
                if message is None:
                    break
                taken.append(message)
            return [_describe(message) for message in taken]
        finally:
            for message in taken:  # all taken first: a requeued one would be taken again
                message.requeue()
            channel.close()


def replay_dead_letters(url: str, namespace: str) -> int:
    """Republish every dead letter present now to the events exchange under its original
    routing key, with the failure headers removed (so it gets ``max_attempts`` afresh); return
    how many. Every service bound to that type receives it again; those that had applied it
    ignore it (idempotent consumers). Letters that die again during the replay are not taken
    a second time: only the number present at the start is replayed."""
    publisher = Publisher(url, namespace=namespace)
    exchange = topology.events_exchange(namespace)
    replayed = 0
    try:
        with connect(url) as connection:
            declare_topology(open_connection(connection), namespace)
            channel = connection.channel()
            queue = topology.dead_letter_queue(namespace)(channel)
            present = queue.queue_declare(passive=True).message_count
            for _ in range(present):
                message = queue.get(no_ack=False)
                if message is None:
                    break
                headers = {
                    k: v
                    for k, v in (message.headers or {}).items()
                    if k not in _DEAD_LETTER_HEADERS
                }
                # Publish first, then ack: a crash in between replays it twice, harmlessly.
                publisher.publish(
                    message.body,
                    exchange=exchange,
                    routing_key=_routing_key(message),
                    headers=headers,
                    message_id=message.properties.get("message_id"),
                    content_type=message.content_type or "application/json",
                    content_encoding=message.content_encoding or "utf-8",
                )
                message.ack()
                replayed += 1
            channel.close()
    finally:
        publisher.close()
    return replayed
