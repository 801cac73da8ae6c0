"""The events the reports consume, as the contract describes them.

- Every event the reports tests build (``tests/service/reports/factories.py``) is checked
  against the producer's JSON Schema in ``contracts/events/<type>.json`` when that schema
  exists — so the tests feed the read model what producers really send.
- The fields the reports read are the ones docs/events.md promises.
- The consumer handles every type its queue is bound to, and nothing else.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from common.errors import UnusableEvent
from common.messaging.envelope import Event
from common.messaging.topology import SUBSCRIPTIONS
from common.testing.principals import Tenant
from services.reports.consumers import HANDLERS
from services.reports.domain.facts import TIME_FIELDS, facts_of
from tests.service.reports.factories import Person, Referral, jst, line_event, org_registered

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = ROOT / "contracts" / "events"
EVENTS_DOC = ROOT / "docs" / "events.md"


def examples() -> list[Event]:
    npo, family = Tenant.new("npo"), Tenant.new("family_association")
    person = Person(npo)
    referral = Referral(npo, family, person)
    at = jst(2020, 10, 1)
    return [
        org_registered(npo, "NPO"),
        person.case_opened(at),
        person.at_org(family).case_opened(at, referral.referral_id),
        person.contact(at),
        person.contact(at, by="family"),
        person.activity(at, "group_program"),
        person.activity(at, "work_experience", allowance_yen=3000, days=3),
        person.stage_changed(
            at, "intake", "experience", record="activity", record_type="country_work"
        ),
        person.stage_changed(at, "experience", "job_search"),
        person.activity(at, "retention_followup", checkpoint_months=6, retained=True),
        person.outcome(at, "job_search_started"),
        person.outcome(at, "path_decided", "employment_regular"),
        person.outcome(at, "retention", retained=True, checkpoint_months=6),
        *(
            referral.event(s, at)
            for s in ("sent", "viewed", "accepted", "declined", "withdrawn", "completed", "expired")
        ),
        line_event("line.followed", npo, "f00d", at, npo.consortium_id),
        line_event("line.followed", npo, "f00d", at, npo.consortium_id, refollow=True),
        line_event("line.unfollowed", npo, "f00d", at, npo.consortium_id),
        line_event("line.message_received", npo, "f00d", at, npo.consortium_id),
    ]


EXAMPLES = examples()


def _schema(event_type: str) -> dict[str, Any] | None:
    path = SCHEMAS / f"{event_type}.json"
    return json.loads(path.read_text()) if path.exists() else None


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: e.type)
def test_the_events_the_tests_build_match_the_producers_schema(event: Event) -> None:
    schema = _schema(event.type)
    if schema is None:
        pytest.skip(f"contracts/events/{event.type}.json is not written yet")
    Draft202012Validator.check_schema(schema)
    errors = sorted(Draft202012Validator(schema).iter_errors(event.data), key=str)
    assert not errors, [e.message for e in errors]


def test_every_schema_present_for_a_type_reports_hear_is_valid_json_schema() -> None:
    heard = set(SUBSCRIPTIONS["reports"])
    for path in sorted(SCHEMAS.glob("*.json")) if SCHEMAS.exists() else []:
        if path.stem in heard:
            Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_the_envelopes_round_trip_as_json() -> None:
    for event in EXAMPLES:
        again = Event.from_json(event.to_json())
        assert (again.id, again.type, again.data) == (event.id, event.type, event.data)
        assert again.occurred_at == event.occurred_at


def _documented_fields() -> dict[str, set[str]]:
    """type → the data fields docs/events.md lists for it."""
    fields: dict[str, set[str]] = {}
    for line in EVENTS_DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].startswith("`"):
            continue
        types = re.findall(r"`([a-z_]+\.[a-z_]+)`", cells[0])
        names = set(re.findall(r"\b([a-z_]+)\b", re.sub(r"\([^)]*\)", "", cells[-1])))
        for t in types:
            fields.setdefault(t, set()).update(names)
    return fields


READ = {
    "case.opened": {"person_key", "opened_at", "fiscal_year"},
    "contact.logged": {"person_key", "by", "occurred_at", "fiscal_year"},
    "activity.recorded": {
        "person_key",
        "type",
        "occurred_at",
        "fiscal_year",
        "checkpoint_months",
        "retained",
        "allowance_yen",
        "days",
    },
    "case.stage_changed": {
        "person_key",
        "changed_at",
        "fiscal_year",
        "to_stage",
        "record",
        "record_type",
    },
    "outcome.recorded": {"person_key", "type", "path", "occurred_at", "fiscal_year"},
    "line.followed": {"channel_id", "line_user_hash", "at", "fiscal_year", "refollow"},
    "line.unfollowed": {"channel_id", "line_user_hash", "at", "fiscal_year"},
    "line.message_received": {"channel_id", "line_user_hash", "at", "fiscal_year"},
    "org.registered": {"org_id", "consortium_id", "name", "kind", "sector", "status"},
}
"""What the reports read from each type's data."""


@pytest.mark.parametrize("event_type", sorted(READ))
def test_the_fields_reports_read_are_in_the_event_contract(event_type: str) -> None:
    documented = _documented_fields()
    assert event_type in documented, f"{event_type} is not in docs/events.md"
    assert READ[event_type] <= documented[event_type]


def test_referral_events_carry_the_fields_the_flow_report_reads() -> None:
    text = EVENTS_DOC.read_text()
    assert "referral_id, from_org_id, to_org_id, status,\nat, fiscal_year" in text


def test_the_consumer_handles_exactly_the_types_its_queue_is_bound_to() -> None:
    assert set(HANDLERS) == set(SUBSCRIPTIONS["reports"])
    assert set(TIME_FIELDS) <= set(SUBSCRIPTIONS["reports"])


def test_line_events_carry_the_channels_org_and_every_field_the_contract_requires() -> None:
    """A required field of the contract is one the reports may rely on: a LINE event
    without it must not be counted silently in some default way."""
    for event in EXAMPLES:
        if not event.type.startswith("line."):
            continue
        schema = _schema(event.type)
        assert schema is not None
        assert event.org_id is not None
        for name in schema["required"]:
            data = {k: v for k, v in event.data.items() if k != name}
            assert list(Draft202012Validator(schema).iter_errors(data)), name
            if name in READ.get(event.type, set()) - {"fiscal_year"}:
                with pytest.raises(UnusableEvent):
                    facts_of(event.type, data)


def test_every_example_of_a_counting_type_yields_facts() -> None:
    for event in EXAMPLES:
        if event.type in TIME_FIELDS:
            assert facts_of(event.type, event.data), event.type
    assert uuid.UUID(str(EXAMPLES[1].data["person_key"]))
