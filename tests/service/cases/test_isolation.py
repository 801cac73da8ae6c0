"""The isolation matrix: every cases route that takes an id, given another member's id,
answers 404 and changes nothing. The matrix is generated from the app's URL map, so a
new route cannot escape it: a route whose id kind or sample input is unknown fails."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from common.http.openapi import endpoint_meta
from common.testing.services import test_settings as settings_in
from services.cases import create_app
from services.cases.models import Case, Consent, ImportJob
from services.cases.operations import imports
from tests.service.cases.support import Api, Member, audit_count, contact, table_counts

IMPORT_CSV = "管理番号,氏名,相談日,相談方法,相談者\nA-1,匿名A,2021/4/5,電話,母\n".encode()


def _routes() -> list[tuple[str, str, str]]:
    app = create_app(settings_in(Path(tempfile.mkdtemp())))
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments or rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule, rule.endpoint))
    return found


ROUTES = _routes()

# Valid input for each endpoint, so that a 404 is about the id and not a 422 about the body.
SAMPLES: dict[str, Callable[[Member], dict[str, Any]]] = {
    "cases.update_case": lambda m: {"json": {"stage": "preparation", "person": {"kana": "x"}}},
    "cases.close_case": lambda m: {"json": {"reason": "終了"}},
    "cases.reopen_case": lambda m: {"json": {"reason": "再開"}},
    "cases.log_contact": lambda m: {"json": contact()},
    "cases.record_activity": lambda m: {
        "json": {"type": "workplace_tour", "occurred_at": "2021-06-01", "accompanied": True}
    },
    "cases.record_outcome": lambda m: {
        "json": {"type": "path_decided", "path": "welfare", "occurred_at": "2021-06-01"}
    },
    "cases.record_consent": lambda m: {
        "json": {
            "to_org_ids": [str(m.org_id)],
            "categories": ["identity"],
            "method": "written",
            "given_by": "self",
            "obtained_at": "2021-06-01",
        }
    },
    "cases.withdraw_consent": lambda m: {"json": {"reason": "本人の希望"}},
    "cases.case_packet": lambda m: {
        "query_string": {"to_org_id": str(m.org_id), "categories": "identity,history"}
    },
    "cases.add_note": lambda m: {"json": {"category": "illness", "body": "通院中"}},
    "cases.list_notes": lambda m: {},
    "cases.erase_case": lambda m: {"json": {"reason": "本人からの消去の申し出"}},
}
CLOSED_FIRST = {"cases.reopen_case"}


class World:
    """A member's case with a consent, a note and an import awaiting commit."""

    def __init__(self, api: Api, owner: Member, partner: Member) -> None:
        admin = api.as_(owner.admin)
        self.case_id = admin.open_case(display_name="被害者 ケース", first_contact=contact())["id"]
        consent = admin.post(
            f"/cases/{self.case_id}/consents",
            json={
                "to_org_ids": [str(partner.org_id)],
                "categories": ["identity", "history"],
                "method": "written",
                "given_by": "self",
                "obtained_at": "2021-06-01",
            },
        )
        assert consent.status_code == 201, consent.json
        self.consent_id = consent.json["id"]
        note = admin.post(f"/cases/{self.case_id}/notes", json={"category": "illness", "body": "x"})
        assert note.status_code == 201
        upload = admin.post("/imports", data=IMPORT_CSV, content_type="text/csv")
        assert upload.status_code == 202, upload.json
        self.import_id = upload.json["id"]
        # The worker checks the file: then the job has a preview to commit or discard.
        imports.run_queued(
            admin.client.application.extensions["tsunagu"].session_factory,
            concurrent_writes=False,
        )
        assert admin.get(f"/imports/{self.import_id}").json["status"] == "previewed"

    def ids(self) -> dict[str, str]:
        return {"case_id": self.case_id, "consent_id": self.consent_id, "import_id": self.import_id}


def _path(rule: str, ids: dict[str, str]) -> str:
    path = rule
    for name, value in ids.items():
        path = path.replace(f"<uuid:{name}>", value)
    assert "<" not in path, f"{rule}: the matrix does not know this id kind; add it to World"
    return path


def _fingerprint(sessions: sessionmaker[Session], world: World, owner: Member) -> dict[str, Any]:
    with sessions() as session:
        case = session.get(Case, uuid.UUID(world.case_id))
        consent = session.get(Consent, uuid.UUID(world.consent_id))
        job = session.get(ImportJob, uuid.UUID(world.import_id))
        assert case is not None
        assert consent is not None
        assert job is not None
        state = (
            case.stage,
            case.updated_at,
            case.assigned_to,
            case.person.kana,
            consent.withdrawn_at,
            job.status,
        )
    counts = table_counts(sessions)
    counts.pop("audit_log")
    return {"state": state, "counts": counts, "audit": audit_count(sessions, owner.org_id)}


def test_every_route_with_an_id_is_in_the_matrix() -> None:
    app = create_app(settings_in(Path(tempfile.mkdtemp())))
    for _method, _rule, name in ROUTES:
        meta = endpoint_meta(app.view_functions[name])
        assert meta is not None, f"{name} is not declared with @endpoint"
        if meta.body is not None or meta.query is not None:
            assert name in SAMPLES, f"{name}: give the isolation matrix a valid sample input"
    assert len(ROUTES) >= 18


@pytest.mark.parametrize(("method", "rule", "name"), ROUTES, ids=[f"{m} {r}" for m, r, _ in ROUTES])
def test_another_members_id_is_not_found_and_nothing_changes(
    api: Api,
    member: Member,
    other: Member,
    sessions: sessionmaker[Session],
    method: str,
    rule: str,
    name: str,
) -> None:
    sample = SAMPLES.get(name, lambda m: {})
    # First the same request on the caller's own data succeeds: the sample is valid.
    mine = World(api, member, other)
    attacker = api.as_(member.admin)
    if name in CLOSED_FIRST:
        attacker.post(f"/cases/{mine.case_id}/close", json={"reason": "x"})
    own = attacker.request(method, _path(rule, mine.ids()), **sample(other))
    assert own.status_code in (200, 201, 202), (name, own.json)

    theirs = World(api, other, member)
    if name in CLOSED_FIRST:
        api.as_(other.admin).post(f"/cases/{theirs.case_id}/close", json={"reason": "x"})
    before = _fingerprint(sessions, theirs, other)
    denied_before = audit_count(sessions, member.org_id, outcome="denied")
    response = attacker.request(method, _path(rule, theirs.ids()), **sample(member))
    assert response.status_code == 404, (name, response.json)
    assert response.mimetype == "application/problem+json"
    assert _fingerprint(sessions, theirs, other) == before
    # The refusal is in the caller's own log, not the other member's.
    assert audit_count(sessions, member.org_id, outcome="denied") == denied_before + 1


def test_a_volunteer_gets_404_for_a_colleagues_case_on_every_case_route(
    api: Api, member: Member, other: Member, sessions: sessionmaker[Session]
) -> None:
    world = World(api, member, other)
    volunteer = api.as_(member.volunteer)
    for method, rule, name in ROUTES:
        if "import_id" in rule:
            continue  # imports are the org admin's; volunteers get 403 there
        response = volunteer.request(
            method, _path(rule, world.ids()), **SAMPLES.get(name, lambda m: {})(other)
        )
        assert response.status_code == 404, (method, rule, response.json)
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1
