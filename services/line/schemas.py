"""Request bodies and queries of the LINE service (API.md, "LINE consultation desk")."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from common.schemas import Body, PageQuery, Query
from services.line.domain.hours import Hours, parse_hhmm
from services.line.domain.sending import MAX_TEXT_LENGTH

PRINTABLE = r"^[\x21-\x7e]+$"


SecretText = Annotated[str, StringConstraints(min_length=8, max_length=200, pattern=PRINTABLE)]
TokenText = Annotated[str, StringConstraints(min_length=8, max_length=2000, pattern=PRINTABLE)]


class HoursBody(Body):
    open: str = Field(default="16:00", max_length=5)
    close: str = Field(default="21:00", max_length=5)
    weekdays: list[int] | None = Field(default=None, max_length=7)
    """Monday = 0; every day when absent."""
    closed_days: list[date] | None = Field(default=None, max_length=400)

    @field_validator("open", "close")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        parse_hhmm(value)
        return value

    @field_validator("weekdays")
    @classmethod
    def _days(cls, value: list[int] | None) -> list[int] | None:
        if value is None:
            return None
        if not value or any(d < 0 or d > 6 for d in value) or len(set(value)) != len(value):
            raise ValueError("weekdays: distinct numbers 0 (Monday) to 6 (Sunday), at least one")
        return sorted(value)

    @model_validator(mode="after")
    def _differ(self) -> HoursBody:
        if self.open == self.close:
            raise ValueError("open and close must differ")
        return self

    def to_hours(self) -> Hours:
        return Hours.of(
            self.open,
            self.close,
            self.weekdays if self.weekdays is not None else range(7),
            self.closed_days or (),
        )


class ChannelCreate(Body):
    org_id: uuid.UUID
    name: str = Field(min_length=1, max_length=100)
    channel_id: str = Field(min_length=1, max_length=32, pattern=r"^[0-9]+$")
    channel_secret: SecretText
    channel_access_token: TokenText
    bot_user_id: str = Field(min_length=1, max_length=64, pattern=r"^U[0-9a-f]{32}$")
    hours: HoursBody | None = None
    out_of_hours_message: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT_LENGTH)
    assignment_cap: int = Field(default=2, ge=1, le=20)


class ChannelPatch(Body):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    hours: HoursBody | None = None
    out_of_hours_message: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT_LENGTH)
    channel_secret: SecretText | None = None
    channel_access_token: TokenText | None = None
    assignment_cap: int | None = Field(default=None, ge=1, le=20)


class ChannelQuery(PageQuery):
    org_id: uuid.UUID | None = None


class FriendsQuery(Query):
    fiscal_year: int = Field(ge=2000, le=2100)


class ConversationQuery(PageQuery):
    status: Literal["waiting", "open", "closed"] | None = None


class AssignBody(Body):
    user_id: uuid.UUID | None = None


class MessageBody(Body):
    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)


class CaseBody(Body):
    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    """The name the case goes by; an anonymous placeholder when none is known."""
    by: Literal["self", "family"] = "self"
    """Who consulted: the person themselves or their family (the counsellor records it)."""


class CloseBody(Body):
    summary: str | None = Field(default=None, max_length=5000)
