"""The cases service answers every path of API.md's "Cases" section (extended, never
renamed), documents every route in its OpenAPI document, and answers the referral
packet in the shape docs/events.md gives."""

from __future__ import annotations

import re

from common.http.openapi import endpoint_meta
from tests.service.cases.support import Api, Member, contact

API_MD_CASES = [
    ("post", "/cases"),
    ("get", "/cases"),
    ("get", "/cases/{case_id}"),
    ("patch", "/cases/{case_id}"),
    ("post", "/cases/{case_id}/contacts"),
    ("post", "/cases/{case_id}/activities"),
    ("post", "/cases/{case_id}/outcomes"),
    ("post", "/cases/{case_id}/close"),
    ("post", "/cases/{case_id}/reopen"),
    ("post", "/cases/{case_id}/consents"),
    ("post", "/consents/{consent_id}/withdraw"),
    ("get", "/audit"),
]


def test_every_contract_path_is_in_the_openapi_document(api: Api) -> None:
    document = api.client.get("/openapi.json").json
    for method, path in API_MD_CASES:
        assert method in document["paths"].get(path, {}), (method, path)


def test_every_route_is_declared_for_the_openapi_document(api: Api) -> None:
    app = api.client.application
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "healthz", "readyz", "metrics", "openapi"):
            continue
        assert endpoint_meta(app.view_functions[rule.endpoint]) is not None, rule.rule


def test_the_case_answers_have_the_contract_fields(api: Api, member: Member) -> None:
    staff = api.as_(member.staff)
    created = staff.open_case(first_contact=contact())
    assert {"id", "org_id", "person_key", "stage", "opened_at", "person"} <= set(created)
    page = staff.get(f"/cases/{created['id']}").json
    assert {
        "id",
        "org_id",
        "person_key",
        "stage",
        "person",
        "contacts",
        "activities",
        "outcomes",
        "consents",
        "origin_referral_id",
    } <= set(page)
    listing = staff.get("/cases").json
    assert set(listing) >= {"items", "next_cursor"}
    assert re.fullmatch(r"[0-9a-f-]{36}", page["person_key"])


def test_the_packet_answer_has_the_documented_shape(
    api: Api, member: Member, other: Member
) -> None:
    staff = api.as_(member.staff)
    cid = staff.open_case(first_contact=contact())["id"]
    answer = staff.get(
        f"/cases/{cid}/packet",
        query_string={
            "to_org_id": str(other.org_id),
            "categories": "identity,contact,history,support_record",
        },
    ).json
    assert set(answer) == {"case_id", "person_key", "packet", "consent"}
    packet = answer["packet"]
    assert set(packet) == {
        "categories",
        "anonymous",
        "person",
        "contact",
        "history",
        "support_record",
    }
    assert {"age_band", "gender", "display_name", "kana", "birth_year", "municipality"} <= set(
        packet["person"]
    )
    assert set(packet["contact"]) == {"phone", "email", "address"}
    assert {"channel", "by", "occurred_at", "summary"} <= set(packet["history"]["contacts"][0])
    assert {"stage", "activities", "outcomes"} <= set(packet["support_record"])
    assert answer["consent"] is None
