"""Request bodies and queries of the cases API (pydantic: bad input is a 422 with fields).

Times are ISO 8601; a date alone means 00:00 of that day in JST, and a time
without an offset is JST too (the users' wall clock)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints, field_validator

from common.clock import JST, utcnow
from common.schemas import Body, JstMoment, PageQuery, Query
from services.cases.domain.sensitive import MAX_ORG_TERMS, MAX_TERM_LENGTH
from services.cases.domain.vocab import (
    GIVEN_BY_ALIASES,
    ActivityType,
    Category,
    Channel,
    CloseReason,
    ConsentMethod,
    ContactBy,
    Gender,
    GivenBy,
    NoteCategory,
    OutcomeType,
    Path,
    Relationship,
    RepresentativeBasis,
    Stage,
)

Moment = JstMoment

Text = Annotated[str, StringConstraints(max_length=4000)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500)]
Short = Annotated[str, StringConstraints(max_length=200)]


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _or_default(default: Any) -> Any:
    return lambda value: default if value is None or value == "" else value


# Optional texts: null, "" and blanks all mean "not given" (a form sends "").
Optional30 = Annotated[
    Annotated[str, StringConstraints(max_length=30)] | None, BeforeValidator(_blank_to_none)
]
Optional100 = Annotated[
    Annotated[str, StringConstraints(max_length=100)] | None, BeforeValidator(_blank_to_none)
]
Optional254 = Annotated[
    Annotated[str, StringConstraints(max_length=254)] | None, BeforeValidator(_blank_to_none)
]
Optional300 = Annotated[
    Annotated[str, StringConstraints(max_length=300)] | None, BeforeValidator(_blank_to_none)
]
BirthYear = Annotated[int | None, BeforeValidator(_blank_to_none)]
GenderOrUnknown = Annotated[Gender, BeforeValidator(_or_default(Gender.UNKNOWN.value))]
"""An empty gender is "unknown" (the contract's default)."""
Flag = Annotated[bool, BeforeValidator(_or_default(False))]


class PersonFields(Body):
    """The person. Every field but the name is optional; null or "" leaves it empty (or at
    its default), and on an edit clears it."""

    display_name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    kana: Optional100 = None
    anonymous: Flag = False
    birth_year: BirthYear = None
    gender: GenderOrUnknown = Gender.UNKNOWN
    municipality: Optional100 = None
    phone: Optional30 = None
    email: Optional254 = None
    address: Optional300 = None

    @field_validator("birth_year")
    @classmethod
    def _plausible_year(cls, value: int | None) -> int | None:
        this_year = utcnow().astimezone(JST).year
        if value is not None and not 1900 <= value <= this_year:
            raise ValueError(f"Must be between 1900 and {this_year}")
        return value


class PersonPatch(PersonFields):
    """Only the fields sent change; the name may not be emptied."""

    display_name: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None  # type: ignore[assignment]
    anonymous: Annotated[bool | None, BeforeValidator(_or_default(False))] = None  # type: ignore[assignment]
    gender: Annotated[Gender | None, BeforeValidator(_or_default(Gender.UNKNOWN.value))] = None  # type: ignore[assignment]


class ContactCreate(Body):
    channel: Channel
    by: ContactBy
    relationship: Relationship | None = None
    occurred_at: Moment
    minutes: int | None = Field(default=None, ge=0, le=1440)
    summary: Text | None = None
    sensitive_choice: Literal["note", "keep"] | None = None
    """When the summary mentions 要配慮 terms: move it to a sensitive note, or keep it marked
    sensitive. Without a choice such a summary is refused (422 ``sensitive_terms``)."""


class CaseCreate(Body):
    person: PersonFields
    first_contact: ContactCreate | None = None
    assigned_to: uuid.UUID | None = None
    opened_at: Moment | None = None


class CasePatch(Body):
    person: PersonPatch | None = None
    stage: Stage | None = None
    stage_reason: Reason | None = None
    assigned_to: uuid.UUID | None = None


class CaseListQuery(PageQuery):
    q: Annotated[str, StringConstraints(max_length=100)] | None = None
    stage: Stage | None = None
    assigned_to: str | None = Field(default=None, max_length=36)
    """A user id, ``me`` or ``none``."""
    include_closed: bool = True

    @field_validator("assigned_to")
    @classmethod
    def _assignee(cls, value: str | None) -> str | None:
        if value in (None, "", "me", "none"):
            return value or None
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise ValueError("Must be a user id, me or none") from None


class ActivityCreate(Body):
    type: ActivityType
    occurred_at: Moment
    place: Short | None = None
    accompanied: bool | None = None
    days: int | None = Field(default=None, ge=1, le=366)
    allowance_yen: int | None = Field(default=None, ge=0, le=10_000_000)
    checkpoint_months: int | None = None
    retained: bool | None = None
    note: Text | None = None


class OutcomeCreate(Body):
    type: OutcomeType
    path: Path | None = None
    employer: Short | None = None
    sector: Annotated[str, StringConstraints(max_length=100)] | None = None
    retained: bool | None = None
    checkpoint_months: int | None = None
    occurred_at: Moment
    note: Text | None = None


class CloseBody(Body):
    reason: Reason
    reason_code: CloseReason = CloseReason.OTHER


class ReopenBody(Body):
    reason: Reason
    stage: Stage | None = None


class ConsentCreate(Body):
    to_org_ids: list[uuid.UUID] = Field(min_length=1, max_length=50)
    categories: list[Category] = Field(min_length=1, max_length=len(Category))
    method: ConsentMethod
    given_by: Annotated[GivenBy, BeforeValidator(lambda v: GIVEN_BY_ALIASES.get(v, v))]
    given_by_relationship: Relationship | None = None
    representative_basis: RepresentativeBasis | None = None
    """Required for a legal representative: a minor's parent or an adult's guardian."""
    obtained_at: Moment
    expires_at: Moment | None = None
    note: Annotated[str, StringConstraints(max_length=500)] | None = None


class EraseBody(Body):
    reason: Reason


class SensitiveTermsBody(Body):
    terms: list[Annotated[str, StringConstraints(min_length=1, max_length=MAX_TERM_LENGTH)]] = (
        Field(max_length=MAX_ORG_TERMS)
    )


class RetentionPolicyBody(Body):
    closed_case_years: int = Field(ge=0, le=1000)
    """Whole years after closing; the domain checks the legal floor (422 with its code)."""


class WithdrawBody(Body):
    reason: Reason | None = None


class NoteCreate(Body):
    category: NoteCategory = NoteCategory.GENERAL
    body: Annotated[str, StringConstraints(min_length=1, max_length=10_000)]


class NoteQuery(Query):
    sensitive: bool | None = None


class PacketQuery(Query):
    categories: Annotated[str, StringConstraints(max_length=200)] = ""
    """Comma-separated categories (also accepted as a repeated parameter)."""
    to_org_id: uuid.UUID
    consent_id: uuid.UUID | None = None
    anonymous: bool = False
    purpose: Annotated[str, StringConstraints(max_length=200)] | None = None

    @field_validator("categories", mode="before")
    @classmethod
    def _join(cls, value: Any) -> Any:
        return ",".join(value) if isinstance(value, list) else value

    def category_list(self) -> list[Category]:
        return [Category(c.strip()) for c in self.categories.split(",") if c.strip()]

    @field_validator("categories")
    @classmethod
    def _known(cls, value: str) -> str:
        for item in value.split(","):
            if item.strip() and item.strip() not in {c.value for c in Category}:
                raise ValueError(f"Unknown category {item.strip()}")
        return value


class ImportUploadQuery(Query):
    filename: Annotated[str, StringConstraints(max_length=200)] | None = None
