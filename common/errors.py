"""Domain errors. Plain Python: domain modules raise these, the HTTP layer maps them.

Messages are English for logs and API clients; ``code`` lets the web UI show a
translated message.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One invalid field. ``field`` is a dotted path such as ``person.birth_year``."""

    field: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "code": self.code}


class DomainError(Exception):
    """Base of every expected, user-facing failure."""

    status = 400
    title = "Bad request"
    code = "bad_request"

    def __init__(self, detail: str | None = None, *, code: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code is not None:
            self.code = code


class ValidationFailed(DomainError):
    """Input is well-formed but breaks a rule. HTTP 422 with field-level errors."""

    status = 422
    title = "Validation failed"
    code = "validation_failed"

    def __init__(self, errors: list[FieldError] | FieldError, detail: str | None = None) -> None:
        self.errors = [errors] if isinstance(errors, FieldError) else list(errors)
        super().__init__(detail or "; ".join(f"{e.field}: {e.message}" for e in self.errors))


class NotFound(DomainError):
    """Unknown id, or another tenant's id: the two are indistinguishable by design."""

    status = 404
    title = "Not found"
    code = "not_found"


class Forbidden(DomainError):
    """The resource is the caller's to see, but their role may not do this."""

    status = 403
    title = "Forbidden"
    code = "forbidden"


class Unauthenticated(DomainError):
    status = 401
    title = "Not signed in"
    code = "unauthenticated"


class Conflict(DomainError):
    """The current state forbids the change (e.g. accepting a withdrawn referral)."""

    status = 409
    title = "Conflict"
    code = "conflict"


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"
    code = "too_many_requests"

    def __init__(self, detail: str | None = None, *, retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A dependency (another service, the broker) cannot answer right now."""

    status = 503
    title = "Service unavailable"
    code = "unavailable"


class UnusableEvent(ValueError):
    """An event lacks what its type promises (docs/events.md): no retry can apply it, so the
    consumer sends it to the dead-letter queue at once, with this message as the reason."""
