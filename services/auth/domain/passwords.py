"""Password policy and hashing (argon2id)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

from common.errors import FieldError

MIN_LENGTH = 12
MAX_LENGTH = 256
MIN_STRENGTH = 3
"""zxcvbn score 0–4. Below 3 means a common password, a dictionary word with small
changes, a keyboard walk or a repeat — guessable within hours offline."""


DEMO_PASSWORD = "tsunagu-demo-2026"  # noqa: S105 - published in the README, on purpose
"""Every demo login's password. Accepted only while the demo is on (``TSUNAGU_DEMO``)."""


def _fold(password: str) -> str:
    """Case, spaces and punctuation do not make a published password new."""
    return "".join(ch for ch in password.casefold() if ch.isalnum())


@cache
def published_passwords() -> tuple[str, ...]:
    path = Path(__file__).with_name("published_passwords.txt")
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


@cache
def _published_folded() -> frozenset[str]:
    return frozenset(_fold(p) for p in published_passwords())


def password_problems(
    password: str, *, context: tuple[str, ...] = (), demo: bool = False
) -> list[FieldError]:
    """Why ``password`` is refused (empty when acceptable). ``context`` holds the user's
    own words (email, name) that must not make up the password. A published password is
    refused however strong it looks; the demo's own only outside the demo."""
    if len(password) < MIN_LENGTH:
        return [
            FieldError("password", f"Use at least {MIN_LENGTH} characters", "password_too_short")
        ]
    if len(password) > MAX_LENGTH:
        return [FieldError("password", "The password is too long", "password_too_long")]
    folded = _fold(password)
    if folded in _published_folded() and not (demo and folded == _fold(DEMO_PASSWORD)):
        return [
            FieldError(
                "password",
                "This password has been published; choose one nobody else knows",
                "password_published",
            )
        ]
    if demo and password == DEMO_PASSWORD:
        return []
    # zxcvbn's cost grows with length; the first 100 characters decide strength anyway.
    # The published passwords join its dictionary, so their near variants score low.
    result = zxcvbn(password[:100], user_inputs=_user_words(context) + list(published_passwords()))
    if result["score"] < MIN_STRENGTH:
        return [
            FieldError(
                "password",
                "This password is too common or easy to guess",
                "password_too_weak",
            )
        ]
    return []


def _user_words(context: tuple[str, ...]) -> list[str]:
    """The user's own words: whole values, an email's local part, and their pieces."""
    words: set[str] = set()
    for value in context:
        if not value:
            continue
        value = value.lower()
        local = value.split("@", 1)[0]
        words.update({value, local})
        words.update(p for p in re.split(r"[^0-9a-z]+", local) if len(p) >= 3)
    return sorted(words)


class PasswordHashing:
    def __init__(self, time_cost: int = 3, memory_kib: int = 65536) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=2)
        # Verified against when the email is unknown, so both answers take as long.
        self._dummy = self._hasher.hash("tsunagu-timing-equaliser")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash or self._dummy, password) and bool(stored_hash)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)
