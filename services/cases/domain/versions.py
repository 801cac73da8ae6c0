"""Versions of a case, for edits that must not overwrite someone else's (optimistic
concurrency). A case's version counts the changes to what an edit can change — the
person, the stage, the staff in charge, closed or open — and is its ETag. A client that
names the version it started from (If-Match) is refused when the case moved on; a client
that names none edits as before, field by field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from common.errors import DomainError


class CaseChanged(DomainError):
    """The case is no longer at the version the client started from (HTTP 412)."""

    status = 412
    title = "Precondition failed"
    code = "case_changed"

    def __init__(self, current: int) -> None:
        super().__init__(
            "The case was changed by someone else meanwhile: reload it and apply your edit again"
        )
        self.current = current


@dataclass(frozen=True)
class Expected:
    """What an If-Match asked for: any version (``*``) or one of these."""

    any: bool = False
    versions: frozenset[int] = frozenset()

    @classmethod
    def from_tags(cls, tags: Iterable[str | None], *, star: bool) -> Expected:
        """From the strong entity tags of an If-Match; a tag that is not a version of ours
        can never match (so the edit is refused, as RFC 9110 asks)."""
        return cls(any=star, versions=frozenset(int(t) for t in tags if t and t.isdigit()))


def etag(version: int) -> str:
    return f'"{version}"'


def check_version(current: int, expected: Expected | None) -> None:
    """No If-Match: nothing to check (API.md clients); otherwise the case must be at one of
    the versions named."""
    if expected is None or expected.any:
        return
    if current not in expected.versions:
        raise CaseChanged(current)
