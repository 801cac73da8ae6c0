"""``Idempotency-Key`` on every signed-in POST of a service (common.idempotency keeps the
table). Installed by the app factory (common.http.service) after the principal is known:

- no key, or no principal (a public route): nothing changes;
- a key this caller used within 24 hours for the same request: the first answer (status,
  body, Location, ETag) again with ``Idempotent-Replayed: true``, and nothing is done;
- the same key for another request (method, path, query or body differ): 422;
- a key whose operation committed but whose answer is not stored yet (a concurrent retry,
  or a crash in between): 409, and nothing is done;
- otherwise the request runs; at its first commit the key's row joins the transaction, and
  once the answer is built it is stored beside it.

Two requests with one key racing each other: the second one's commit fails on the key's
primary key, its whole transaction rolls back, and it answers as a retry would.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, g, request
from sqlalchemy.orm import Session

from common.errors import FieldError
from common.http.problems import problem_response
from common.idempotency import KEPT, KEY_HEADER, MAX_KEY_CHARS, REPLAYED_HEADER

log = logging.getLogger(__name__)

MAX_STORED_BODY = 1024 * 1024


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string.decode("latin-1")):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_CHARS and key.isascii() and key.isprintable()


def _replay(row: Any) -> Response:
    response = Response(row.body or b"", status=row.status)
    if row.content_type:
        response.headers["Content-Type"] = row.content_type
    if row.location:
        response.headers["Location"] = row.location
    if row.etag:
        response.headers["ETag"] = row.etag
    response.headers[REPLAYED_HEADER] = "true"
    return response


def _answer_for(row: Any, fingerprint: str) -> Response:
    if row.fingerprint != fingerprint:
        return problem_response(
            422,
            "Validation failed",
            "This Idempotency-Key was used for another request.",
            code="validation_failed",
            errors=[FieldError(KEY_HEADER, "Used for another request", "idempotency_key_reused")],
        )
    if row.status is None:
        return problem_response(
            409,
            "Conflict",
            "A request with this Idempotency-Key was done; its answer is not ready yet.",
            code="idempotency_key_pending",
        )
    return _replay(row)


def install_idempotency(app: Flask, model: type, now: Any, db: Any) -> None:
    """``now()`` is the service's clock; ``db()`` the request's session — used for every
    step, so that no second connection waits on the request's own write lock (SQLite)."""
    table = model.__table__  # type: ignore[attr-defined]

    def find(session: Session, caller: str, key: str) -> Any:
        return session.execute(
            sa.select(table).where(table.c.caller == caller, table.c.key == key)
        ).first()

    @app.before_request
    def _idempotent() -> Response | None:
        key = request.headers.get(KEY_HEADER)
        principal = g.get("principal")
        if request.method != "POST" or key is None or principal is None:
            return None
        if not _valid_key(key):
            return problem_response(
                422,
                "Validation failed",
                f"Idempotency-Key must be 1 to {MAX_KEY_CHARS} printable ASCII characters.",
                code="validation_failed",
                errors=[FieldError(KEY_HEADER, "Not a valid key", "idempotency_key_invalid")],
            )
        caller, fingerprint = str(principal.user_id), _fingerprint()
        session: Session = db()
        row = find(session, caller, key)
        if row is not None and row.created_at >= now() - KEPT:
            return _answer_for(row, fingerprint)
        if row is not None:  # expired, not pruned yet: the key is free again
            session.execute(sa.delete(table).where(table.c.caller == caller, table.c.key == key))
        g.idempotency = (caller, key, fingerprint)

        @sa.event.listens_for(session, "before_commit")
        def _claim(committing: Session) -> None:
            if g.get("idempotency_claimed"):
                return
            committing.execute(
                sa.insert(table).values(
                    caller=caller, key=key, fingerprint=fingerprint, created_at=now()
                )
            )
            g.idempotency_claimed = True

        return None

    @app.errorhandler(sa.exc.IntegrityError)
    def _raced(error: sa.exc.IntegrityError) -> Response:
        """A concurrent request with the same key committed first: answer as a retry."""
        pending = g.get("idempotency")
        if pending is not None:
            caller, key, fingerprint = pending
            session: Session = db()
            session.rollback()
            g.pop("idempotency_claimed", None)
            row = find(session, caller, key)
            session.rollback()
            if row is not None:
                return _answer_for(row, fingerprint)
        log.exception("unhandled error", extra={"error_type": type(error).__name__})
        return problem_response(500, "Internal server error", "The server failed to answer.")

    @app.after_request
    def _remember(response: Response) -> Response:
        pending = g.get("idempotency")
        if pending is None or not g.get("idempotency_claimed") or response.is_streamed:
            return response
        caller, key, _ = pending
        body = response.get_data()
        session: Session = db()
        session.rollback()  # only the answer is written here, nothing a failed view left
        session.execute(
            sa.update(table)
            .where(table.c.caller == caller, table.c.key == key)
            .values(
                status=response.status_code,
                content_type=response.headers.get("Content-Type"),
                location=response.headers.get("Location"),
                etag=response.headers.get("ETag"),
                body=body if len(body) <= MAX_STORED_BODY else b"",
            )
        )
        session.commit()
        return response
