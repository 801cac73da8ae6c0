"""One audit log from four: each service keeps its own append-only log of the caller's
organization; this merges them newest first behind one cursor."""

from __future__ import annotations

import heapq
from typing import Any

from common.http.client import UpstreamResponse
from common.pagination import decode_token, encode_cursor, encode_token
from gateway.routes import AUDIT_SOURCES
from gateway.upstreams import Upstreams

AUDIT_FILTERS = ("resource_id", "actor_id", "from", "to")
"""The filters every service's ``GET /audit`` understands; nothing else is passed on."""


class BadCursor(ValueError):
    pass


class SourceFailed(Exception):
    """A service answered the audit query with an error of its own (e.g. 403)."""

    def __init__(self, service: str, response: UpstreamResponse) -> None:
        super().__init__(f"{service} answered {response.status}")
        self.service = service
        self.response = response


def decode_state(cursor: str | None) -> dict[str, Any]:
    if not cursor:
        return {}
    try:
        raw = decode_token(cursor)
    except ValueError as exc:
        raise BadCursor(cursor) from exc
    if not isinstance(raw, dict) or not set(raw) <= set(AUDIT_SOURCES):
        raise BadCursor(cursor)
    return raw


def encode_state(state: dict[str, Any]) -> str:
    return encode_token(state)


def merged_page(
    upstreams: Upstreams,
    token: str | None,
    params: dict[str, str],
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """Raises BadCursor, SourceFailed, or the client's UpstreamUnavailable/Timeout."""
    state = decode_state(cursor)
    pages: dict[str, list[dict[str, Any]]] = {}
    more: dict[str, bool] = {}
    for service in AUDIT_SOURCES:
        if state.get(service) == "done":
            continue
        query = dict(params, limit=str(limit))
        if state.get(service):
            query["cursor"] = state[service]
        response = upstreams.client(service).call("GET", "/audit", token=token, params=query)
        if response.status != 200:
            raise SourceFailed(service, response)
        answer = response.json()
        pages[service] = [dict(item, service=service) for item in answer["items"]]
        more[service] = answer.get("next_cursor") is not None
    merged = heapq.merge(*pages.values(), key=lambda e: (e["occurred_at"], e["id"]), reverse=True)
    items = [item for _, item in zip(range(limit), merged, strict=False)]
    next_state: dict[str, Any] = dict(state)
    for service, page in pages.items():
        taken = [e for e in items if e["service"] == service]
        if taken:
            exhausted = len(taken) == len(page) and not more[service]
            last = taken[-1]
            next_state[service] = (
                "done" if exhausted else encode_cursor([last["occurred_at"], last["id"]])
            )
        elif not page:
            next_state[service] = "done"
    finished = all(next_state.get(s) == "done" for s in AUDIT_SOURCES)
    next_cursor = encode_state(next_state) if not finished and len(items) == limit else None
    return {"items": items, "next_cursor": next_cursor}
