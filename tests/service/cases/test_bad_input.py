"""Bad input gets 422 problem+json with field errors, and writes nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.service.cases.support import Api, Member, contact, table_counts

BAD_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("unknown gender", {"person": {"display_name": "x", "gender": "robot"}}, "person.gender"),
    ("no name", {"person": {"display_name": ""}}, "person.display_name"),
    (
        "birth year ahead",
        {"person": {"display_name": "x", "birth_year": 2999}},
        "person.birth_year",
    ),
    ("unknown field", {"person": {"display_name": "x"}, "owner_org": "x"}, "owner_org"),
    (
        "impossible first contact date",
        {"person": {"display_name": "x"}, "first_contact": contact(occurred_at="2021-02-30")},
        "first_contact.occurred_at",
    ),
]

BAD_RECORDS: list[tuple[str, str, dict[str, Any], str]] = [
    ("unknown channel", "contacts", contact(channel="pigeon"), "channel"),
    ("impossible date", "contacts", contact(occurred_at="2021-13-01"), "occurred_at"),
    ("future contact", "contacts", contact(occurred_at="2999-01-01"), "occurred_at"),
    ("negative minutes", "contacts", contact(minutes=-5), "minutes"),
    (
        "self with relationship",
        "contacts",
        contact(by="self", relationship="mother"),
        "relationship",
    ),
    ("unknown activity", "activities", {"type": "karaoke", "occurred_at": "2021-06-01"}, "type"),
    (
        "negative allowance",
        "activities",
        {"type": "work_experience", "occurred_at": "2021-06-01", "allowance_yen": -1},
        "allowance_yen",
    ),
    (
        "allowance on a test",
        "activities",
        {"type": "aptitude_test", "occurred_at": "2021-06-01", "allowance_yen": 1000},
        "allowance_yen",
    ),
    (
        "checkpoint of 2 months",
        "activities",
        {"type": "retention_followup", "occurred_at": "2021-06-01", "checkpoint_months": 2},
        "checkpoint_months",
    ),
    (
        "checkpoint on a tour",
        "activities",
        {"type": "workplace_tour", "occurred_at": "2021-06-01", "checkpoint_months": 3},
        "checkpoint_months",
    ),
    (
        "path_decided without path",
        "outcomes",
        {"type": "path_decided", "occurred_at": "2021-06-01"},
        "path",
    ),
    (
        "unknown path",
        "outcomes",
        {"type": "path_decided", "path": "lottery", "occurred_at": "2021-06-01"},
        "path",
    ),
    (
        "path on job search",
        "outcomes",
        {"type": "job_search_started", "path": "welfare", "occurred_at": "2021-06-01"},
        "path",
    ),
    (
        "retention without status",
        "outcomes",
        {"type": "retention", "occurred_at": "2021-06-01"},
        "retained",
    ),
    (
        "unknown consent category",
        "consents",
        {
            "to_org_ids": ["00000000-0000-0000-0000-000000000000"],
            "categories": ["dna"],
            "method": "written",
            "given_by": "self",
            "obtained_at": "2021-06-01",
        },
        "categories.0",
    ),
    (
        "consent to an unknown org",
        "consents",
        {
            "to_org_ids": ["00000000-0000-0000-0000-000000000000"],
            "categories": ["identity"],
            "method": "written",
            "given_by": "self",
            "obtained_at": "2021-06-01",
        },
        "to_org_ids.0",
    ),
    ("unknown note category", "notes", {"category": "gossip", "body": "x"}, "category"),
    ("empty note", "notes", {"category": "general", "body": ""}, "body"),
]


def _is_problem(response: Any, field: str) -> None:
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert field in {e["field"] for e in response.json["errors"]}, response.json


@pytest.mark.parametrize(("label", "body", "field"), BAD_CASES, ids=[b[0] for b in BAD_CASES])
def test_a_bad_case_is_refused_and_nothing_is_written(
    api: Api, member: Member, sessions: sessionmaker[Session], label: str, body: Any, field: str
) -> None:
    before = table_counts(sessions)
    _is_problem(api.as_(member.staff).post("/cases", json=body), field)
    assert table_counts(sessions) == before


@pytest.mark.parametrize(
    ("label", "kind", "body", "field"), BAD_RECORDS, ids=[b[0] for b in BAD_RECORDS]
)
def test_a_bad_record_is_refused_and_nothing_is_written(
    api: Api,
    member: Member,
    sessions: sessionmaker[Session],
    label: str,
    kind: str,
    body: Any,
    field: str,
) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    before = table_counts(sessions)
    _is_problem(staff.post(f"/cases/{cid}/{kind}", json=body), field)
    assert table_counts(sessions) == before


def test_a_body_that_is_not_json_is_refused(api: Api, member: Member) -> None:
    response = api.as_(member.staff).post("/cases", data="{", content_type="application/json")
    assert response.status_code == 422


def test_a_consent_cannot_expire_before_it_was_given(
    api: Api, member: Member, other: Member
) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case()["id"]
    body = {
        "to_org_ids": [str(other.org_id)],
        "categories": ["identity"],
        "method": "verbal",
        "given_by": "guardian",
        "obtained_at": "2021-06-01",
        "expires_at": "2021-05-01",
    }
    _is_problem(staff.post(f"/cases/{cid}/consents", json=body), "expires_at")


class _UnreadBody(io.RawIOBase):
    """A body no one should read: it records how much was."""

    def __init__(self) -> None:
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = 64 * 1024 if n is None or n < 0 else min(n, 64 * 1024)
        self.consumed += n
        return b"[" * n


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_is_413_before_it_is_read(
    api: Api, member: Member, sessions: sessionmaker[Session], chunked: bool
) -> None:
    body = _UnreadBody()
    environ = {"wsgi.input": body, "CONTENT_LENGTH": "" if chunked else str(200 * 1024 * 1024)}
    before = table_counts(sessions)
    response = api.as_(member.staff).post(
        "/cases",
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"} if chunked else {},
        environ_overrides=environ,
    )
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert body.consumed <= (1024 * 1024 + 64 * 1024 if chunked else 0)
    assert table_counts(sessions) == before


@pytest.mark.parametrize("depth", [65, 100_000])
def test_deeply_nested_json_is_422_not_500(api: Api, member: Member, depth: int) -> None:
    raw = b'{"person": {"display_name": "x"}, "x": ' + b"[" * depth + b"]" * depth + b"}"
    response = api.as_(member.staff).post("/cases", data=raw, content_type="application/json")
    assert response.status_code == 422
    assert response.json["errors"][0]["code"] == "json_depth"
