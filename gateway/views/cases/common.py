"""What the pages of the cases area share: the option lists every case form offers, the
case forms themselves, and small lookups (staff names, the consortium's members)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from common.clock import JST
from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.forms import Form
from gateway.views.cases.labels import (
    CASE_PROBLEMS,
    CHECKPOINTS,
    CLOSE_REASONS,
    CONSENT_GIVER_CHOICES,
    CONSENT_LADDER,
    FIELDS,
    IMPORT_STATUS,
    REPRESENTATIVE_BASES,
    SENSITIVE_CHOICES,
    YES_NO,
)
from gateway.vocabulary import (
    ACTIVITIES,
    CHANNELS,
    CONSENT_GIVERS,
    CONSENT_METHODS,
    CONSENT_STATUS,
    DATA_CATEGORIES_SHORT,
    GENDERS,
    NOTE_CATEGORIES,
    OUTCOMES,
    PARTIES,
    PATHS,
    RELATIONSHIPS,
    STAGE_CHANGE_CAUSES,
    STAGES,
)

PERSON_FIELDS = (
    "display_name",
    "kana",
    "birth_year",
    "gender",
    "municipality",
    "phone",
    "email",
    "address",
    "anonymous",
)
CONTACT_FIELDS = (
    "channel",
    "by",
    "relationship",
    "occurred_at",
    "minutes",
    "summary",
    "sensitive_choice",
)
CONSENT_CATEGORIES = {k: v for k, v in DATA_CATEGORIES_SHORT.items() if k != "attributes"}

# Every case form: its fields (and repeated ones), the prefix of its field ids, defaults.
FORMS: dict[str, dict[str, Any]] = {
    "new": {"fields": (*PERSON_FIELDS, "with_contact", *CONTACT_FIELDS), "prefix": "f"},
    "contact": {"fields": CONTACT_FIELDS, "prefix": "f"},
    "activity": {
        "fields": (
            "type",
            "occurred_at",
            "place",
            "accompanied",
            "days",
            "allowance_yen",
            "checkpoint_months",
            "retained",
            "note",
        ),
        "prefix": "act",
    },
    "outcome": {
        "fields": (
            "type",
            "occurred_at",
            "path",
            "employer",
            "sector",
            "retained",
            "checkpoint_months",
            "note",
        ),
        "prefix": "out",
    },
    "consent": {
        "fields": (
            "given_by",
            "representative_basis",
            "given_by_relationship",
            "method",
            "obtained_at",
            "expires_at",
        ),
        "lists": ("to_org_ids", "categories"),
        "prefix": "con",
    },
    "stage": {"fields": ("stage", "assigned_to", "stage_reason"), "prefix": "stage"},
    "person": {"fields": PERSON_FIELDS, "prefix": "person"},
    "close": {"fields": ("reason_code", "reason"), "prefix": "close"},
    "reopen": {"fields": ("reason",), "prefix": "reopen"},
    "note": {"fields": ("category", "body"), "prefix": "f"},
    "withdraw": {"fields": ("reason",), "prefix": "wd"},
    "retention": {"fields": ("closed_case_years",), "prefix": "ret"},
    "erase": {"fields": ("reason",), "prefix": "erase"},
    "sensitive_terms": {"fields": ("terms",), "prefix": "st"},
}


def now_local() -> str:
    """The value of a datetime-local input for now, in JST."""
    return datetime.now(JST).strftime("%Y-%m-%dT%H:%M")


def case_form(name: str, values: dict[str, Any] | None = None) -> Form:
    spec = FORMS[name]
    return Form(
        name,
        values,
        fields=spec["fields"],
        lists=spec.get("lists", ()),
        prefix=spec["prefix"],
        labels=FIELDS,
        messages=CASE_PROBLEMS,
        aliases={f"person.{f}": f for f in PERSON_FIELDS}
        | {f"first_contact.{f}": f for f in CONTACT_FIELDS},
    )


def person_body(form: Form, *, clear_empty: bool = False) -> dict[str, Any]:
    """The person's fields; on an edit an emptied field is sent as null (cleared)."""
    texts = ("display_name", "kana", "gender", "municipality", "phone", "email", "address")
    if clear_empty:
        person: dict[str, Any] = {f: form.get(f) or None for f in texts}
        person["birth_year"] = form.number("birth_year")
    else:
        person = form.text(*texts)
        if form.number("birth_year") is not None:
            person["birth_year"] = form.number("birth_year")
    person["anonymous"] = form.checked("anonymous")
    return person


def contact_body(form: Form) -> dict[str, Any]:
    body: dict[str, Any] = form.text(
        "channel", "by", "relationship", "occurred_at", "summary", "sensitive_choice"
    )
    if form.number("minutes") is not None:
        body["minutes"] = form.number("minutes")
    if body.get("by") == "self":
        body.pop("relationship", None)
    return body


def assignee_names() -> dict[str, str]:
    try:
        return {p["id"]: p["name"] for p in api.get("/cases/assignees")["items"]}
    except ApiError:
        return {}


def member_names() -> dict[str, str]:
    try:
        return {o["id"]: o["name"] for o in api.get("/directory")["items"]}
    except ApiError:
        return {}


OPTIONS: dict[str, Any] = {
    "stages": STAGES,
    "channels": CHANNELS,
    "parties": PARTIES,
    "relationships": RELATIONSHIPS,
    "genders": GENDERS,
    "activities": ACTIVITIES,
    "outcomes": OUTCOMES,
    "paths": PATHS,
    "categories": CONSENT_CATEGORIES,
    "methods": CONSENT_METHODS,
    "givers": CONSENT_GIVER_CHOICES,
    "sensitive_choices": SENSITIVE_CHOICES,
    "representative_bases": REPRESENTATIVE_BASES,
    "close_reasons": CLOSE_REASONS,
    "note_categories": NOTE_CATEGORIES,
    "ladder": CONSENT_LADDER,
    "checkpoints": CHECKPOINTS,
    "yes_no": YES_NO,
    "labels": {
        "stage": STAGES,
        "channel": CHANNELS,
        "by": PARTIES,
        "relationship": RELATIONSHIPS,
        "gender": GENDERS,
        "activity": ACTIVITIES,
        "outcome": OUTCOMES,
        "path": PATHS,
        "category": DATA_CATEGORIES_SHORT,
        "method": CONSENT_METHODS,
        "given_by": CONSENT_GIVERS,
        "representative_basis": REPRESENTATIVE_BASES,
        "consent_status": CONSENT_STATUS,
        "close": CLOSE_REASONS,
        "note": NOTE_CATEGORIES,
        "ladder": CONSENT_LADDER,
        "cause": STAGE_CHANGE_CAUSES,
        "import": IMPORT_STATUS,
    },
}
