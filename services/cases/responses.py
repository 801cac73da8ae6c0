"""The shapes of the cases service's success answers, as its OpenAPI document declares them
(``endpoint(response=...)``). The operations build plain dicts (services/cases/operations/
common.py and each operation); these models only describe them, and the fuzz tier
(tests/fuzz) checks every answer against them.

A field that only some answers carry (a note's body, a packet's chosen sections) has a
default of None: the model then accepts its absence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from common.http.openapi import Answer

# --- a case and its records -----------------------------------------------------------------


class PersonSummary(Answer):
    """The person as lists show them: no contact details."""

    display_name: str
    kana: str | None
    anonymous: bool
    birth_year: int | None
    age_band: str
    gender: str
    municipality: str | None


class PersonAnswer(PersonSummary):
    phone: str | None
    email: str | None
    address: str | None


class CaseSummary(Answer):
    id: str
    org_id: str
    person_key: str
    stage: str
    assigned_to: str | None
    created_by: str | None
    opened_at: datetime
    closed_at: datetime | None
    last_activity_at: datetime
    origin_referral_id: str | None
    external_ref: str | None
    version: int
    erased_at: datetime | None
    erased_by: str | None
    person: PersonSummary


class ContactAnswer(Answer):
    """``summary`` is null (and ``summary_hidden`` true) for a sensitive summary the caller
    may not read."""

    id: str
    case_id: str
    channel: str
    by: str
    relationship: str | None
    occurred_at: datetime
    minutes: int | None
    summary: str | None
    summary_sensitive: bool
    summary_hidden: bool
    recorded_by: str | None
    created_at: datetime


class ActivityAnswer(Answer):
    id: str
    case_id: str
    type: str
    occurred_at: datetime
    place: str | None
    accompanied: bool | None
    days: int | None
    allowance_yen: int | None
    checkpoint_months: int | None
    retained: bool | None
    note: str | None
    recorded_by: str | None
    created_at: datetime


class RecordedActivity(ActivityAnswer):
    """A new activity, and whether its retention checkpoint was worked out from the case."""

    checkpoint_derived: bool


class OutcomeAnswer(Answer):
    id: str
    case_id: str
    type: str
    path: str | None
    employer: str | None
    sector: str | None
    retained: bool | None
    checkpoint_months: int | None
    occurred_at: datetime
    note: str | None
    recorded_by: str | None
    created_at: datetime


class ConsentAnswer(Answer):
    id: str
    case_id: str
    to_org_ids: list[str]
    categories: list[str]
    method: str
    given_by: str
    given_by_relationship: str | None
    representative_basis: str | None
    obtained_at: datetime
    expires_at: datetime | None
    withdrawn_at: datetime | None
    withdraw_reason: str | None
    note: str | None
    status: str
    recorded_by: str | None
    created_at: datetime


class StageChangeAnswer(Answer):
    id: str
    from_stage: str | None
    to_stage: str
    kind: str
    reason: str | None
    changed_at: datetime
    recorded_at: datetime
    recorded_by: str | None


class NoteAnswer(Answer):
    """Without ``body`` when the writer of a sensitive note may not read it back."""

    id: str
    case_id: str
    category: str
    sensitive: bool
    source: str
    recorded_at: datetime
    recorded_by: str | None
    body: str | None = None


class LadderRung(Answer):
    rung: str
    reached: bool


class ConsentLadder(Answer):
    rung: str
    rungs: list[LadderRung]


class CaseDetail(CaseSummary):
    person: PersonAnswer  # the detail adds contact details
    contacts: list[ContactAnswer]
    activities: list[ActivityAnswer]
    outcomes: list[OutcomeAnswer]
    consents: list[ConsentAnswer]
    stage_history: list[StageChangeAnswer]
    close_reason: str | None
    close_reason_code: str | None
    family_only: bool
    contact_count: int
    consent_ladder: ConsentLadder
    origin_packet: dict[str, Any] | None
    can_read_sensitive: bool


class TimelineEntry(Answer):
    kind: str
    at: datetime
    item: ContactAnswer | ActivityAnswer | OutcomeAnswer | StageChangeAnswer


class Timeline(Answer):
    case_id: str
    items: list[TimelineEntry]
    next_cursor: str | None


class Assignee(Answer):
    id: str
    name: str
    role: str


# --- retention, disclosure, erasure, the 要配慮 dictionary ----------------------------------


class RetentionPolicyAnswer(Answer):
    """``closed_case_years`` is null until an org admin sets it (nothing is removed then)."""

    closed_case_years: int | None
    minimum_years: int
    maximum_years: int
    updated_at: datetime | None
    updated_by: str | None


class DueCase(Answer):
    case_id: str
    display_name: str
    closed_at: datetime
    close_reason_code: str | None
    due_at: datetime


class RetentionDue(Answer):
    policy: RetentionPolicyAnswer
    as_of: datetime
    items: list[DueCase]
    truncated: bool


class DisclosedCase(Answer):
    stage: str
    opened_at: datetime
    closed_at: datetime | None
    close_reason: str | None


class Counterpart(Answer):
    name: str | None
    address: str | None
    representative: str | None


class ProvisionException(Answer):
    code: str
    reason: str | None


class DisclosedProvision(Answer):
    """A provision record of the referrals ledger, as the disclosure shows it."""

    direction: str | None
    counterpart: Counterpart
    categories: list[str]
    basis: str | None
    consent_given_by: str | None
    representative_basis: str | None
    exception: ProvisionException | None
    support_meeting: Any
    obtained_how: str | None
    at: datetime | None
    retain_until: str | None


class Disclosure(Answer):
    case_id: str
    org_id: str
    prepared_at: datetime
    person: PersonAnswer
    case: DisclosedCase
    contacts: list[ContactAnswer]
    activities: list[ActivityAnswer]
    outcomes: list[OutcomeAnswer]
    consents: list[ConsentAnswer]
    notes: list[NoteAnswer]
    stage_history: list[StageChangeAnswer]
    provisions: list[DisclosedProvision]


class Erasure(Answer):
    case_id: str
    erased_at: datetime
    rows_cleared: dict[str, int]
    kept: list[str]


class SensitiveTerms(Answer):
    defaults: list[str]
    terms: list[str]


# --- the referral packet -------------------------------------------------------------------


class PacketPerson(Answer):
    """Identity fields only when the ``identity`` category is chosen."""

    age_band: str
    gender: str
    display_name: str | None = None
    kana: str | None = None
    birth_year: int | None = None
    municipality: str | None = None


class PacketContact(Answer):
    phone: str | None
    email: str | None
    address: str | None


class PacketConsultation(Answer):
    channel: str
    by: str
    relationship: str | None
    occurred_at: datetime
    minutes: int | None
    summary: str | None


class PacketHistory(Answer):
    contacts: list[PacketConsultation]


class PacketActivity(Answer):
    type: str
    occurred_at: datetime
    accompanied: bool | None
    place: str | None
    days: int | None
    allowance_yen: int | None
    checkpoint_months: int | None
    retained: bool | None


class PacketOutcome(Answer):
    type: str
    path: str | None
    employer: str | None
    sector: str | None
    occurred_at: datetime


class PacketSupportRecord(Answer):
    stage: str
    activities: list[PacketActivity]
    outcomes: list[PacketOutcome]


class PacketNote(Answer):
    category: str
    body: str
    recorded_at: datetime


class PacketSensitive(Answer):
    notes: list[PacketNote]


class Packet(Answer):
    """Only the sections of the chosen categories are present."""

    categories: list[str]
    anonymous: bool
    person: PacketPerson
    contact: PacketContact | None = None
    history: PacketHistory | None = None
    support_record: PacketSupportRecord | None = None
    sensitive: PacketSensitive | None = None


class PacketConsent(ConsentAnswer):
    active: bool
    covers: bool


class PacketAnswer(Answer):
    """``consent`` is the consent that would allow the referral, or null."""

    case_id: str
    person_key: str
    packet: Packet
    consent: PacketConsent | None


# --- imports -------------------------------------------------------------------------------


class ImportRowProblem(Answer):
    """A row's problem; ``row`` is null for the file or its header."""

    row: int | None
    field: str
    message: str
    code: str


class ImportProgress(Answer):
    processed: int
    total: int
    percent: int


class ImportPreviewCase(Answer):
    case_ref: str | None
    rows: list[int]
    display_name: str | None
    kana: str | None
    stage: str
    opened_at: datetime | None
    contacts: int


class ImportJobAnswer(Answer):
    """A list of jobs leaves ``errors`` and ``preview`` empty (ask for one job for them)."""

    id: str
    status: str
    filename: str | None
    format: str
    total_rows: int
    case_count: int
    contact_count: int
    size_bytes: int
    rows_read: int
    error_count: int
    error_rows: int
    errors: list[ImportRowProblem]
    progress: ImportProgress
    preview: list[ImportPreviewCase]
    failure: str | None
    created_by: str
    created_at: datetime
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
