"""The fuzz tier: schemathesis generates requests from each service's own OpenAPI document
(and the gateway's, for what it answers itself) and sends them through the gateway
(``/api/v1``) of a real embedded stack, as an org admin with a personal access token. No
answer may be a 5xx, and every answer must match the schema its operation declares.

Not fuzzed (and why):
- ``/internal/*``, ``/healthz``, ``/readyz``, ``/metrics``, ``/openapi.json``: the gateway
  does not route them (only the table in gateway/routes.py is reachable from outside);
- each service's ``GET /audit``: through the gateway that path is the gateway's merged log
  (its items carry ``service``), fuzzed with the gateway's own document
  (``/api/v1/openapi.json``: sign-in, sign-out, the merged log);
- ``POST /me/password``: it would sign the test user out everywhere else, and a successful
  change would leave the token's owner with an unknown password.
Operations on ids are fuzzed twice: with generated ids (which never name the test user, its
token or its organization) and with real ones — a spare token of the user, a colleague in
its organization, its consortium, a frozen report, the chart names. With real ids these stay
out (``LOCKOUT_WITH_REAL_IDS``): suspending the user's own organization, and editing its
organization or consortium (``mfa_required: true`` would make every later request a 403
until a second factor is set up). ``test_the_token_still_works`` proves afterwards that the
run did not lock the user out (else it would have fuzzed only 401s).

``-s`` prints, per service, how many requests were sent and their status codes.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis import APIOperation, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from common.clock import utcnow
from common.config import SERVICES
from common.fiscal import fiscal_year_of
from common.http.client import ServiceClient
from common.testing.databases import server_broker_url, server_database_url
from gateway.api import PREFIX
from gateway.routes import service_for
from services.reports.operations.exports import XLSX_MIME
from tests.e2e.helpers import new_world
from tests.e2e.stack import Stack

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("TSUNAGU_FUZZ_EXAMPLES", "8"))
"""Generated cases per operation and mode (valid and invalid input): a few hundred per
service in all."""

LOCKOUT = {("POST", "/me/password")}
LOCKOUT_WITH_REAL_IDS = {
    # The test user's own organization and consortium: suspending it, or requiring a second
    # factor the user has not set up, would leave every later request a 401 or 403.
    ("POST", "/organizations/{org_id}/suspend"),
    ("PATCH", "/organizations/{org_id}"),
    ("PATCH", "/consortia/{consortium_id}"),
}
NOT_ROUTED_HERE = {"/audit"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Embedded, one process per service (as ``make run``): five processes rather than nine.
    ``TSUNAGU_FUZZ_SERVER=1`` fuzzes a server-mode stack instead (PostgreSQL + RabbitMQ from
    TSUNAGU_TEST_DATABASE_URL / TSUNAGU_TEST_BROKER_URL) — not in ``make test``, to keep
    the tier under two minutes."""
    server = None
    if os.environ.get("TSUNAGU_FUZZ_SERVER") == "1":
        database_url, broker_url = server_database_url(), server_broker_url()
        if not (database_url and broker_url):
            pytest.skip("TSUNAGU_FUZZ_SERVER=1 needs TSUNAGU_TEST_DATABASE_URL and _BROKER_URL")
        server = (database_url, broker_url)
    with Stack(tmp_path_factory.mktemp("fuzz"), combined=server is None, server=server) as running:
        yield running


@dataclass(frozen=True)
class Caller:
    """The test user's token, and ids of real things the fuzzer may change or remove."""

    token: str
    known: dict[str, tuple[str, ...]]


@pytest.fixture(scope="module")
def caller(stack: Stack) -> Caller:
    """An org admin of a fresh organization, with a personal access token; a spare token, a
    colleague and a frozen report of theirs give id-addressed operations something real."""
    world = new_world(stack, {"fuzzed": "npo"}, roles=("org_admin",))
    admin = world.user("fuzzed.org_admin")
    org_id = world.orgs["fuzzed"]
    token = admin.post("/tokens", {"name": "fuzz tier"})["token"]
    spare = admin.post("/tokens", {"name": "fuzzed: may be revoked"})["id"]
    colleague = admin.post(
        f"/organizations/{org_id}/users",
        {"email": f"colleague-{org_id[:8]}@e2e.example", "name": "同僚", "role": "staff"},
    )["id"]
    snapshot = admin.post("/reports/snapshots", {"fiscal_year": fiscal_year_of(utcnow())})["id"]
    known = {
        "org_id": (org_id,),
        "consortium_id": (world.consortium_id,),
        "user_id": (colleague,),
        "token_id": (spare,),
        "snapshot_id": (snapshot,),
        "name": ("targets", "funnel", "referral-flow"),
    }
    return Caller(str(token), known)


def routed_document(stack: Stack, service: str) -> dict[str, Any]:
    """The service's own document, its paths moved under the gateway's prefix; only what the
    gateway routes to this service (and is safe to call as the test user) is kept. The
    gateway's own operations (sign-in, sign-out, the merged audit log) have theirs."""
    if service == "gateway":
        answer = ServiceClient(stack.url("gateway")).request("GET", PREFIX + "/openapi.json")
        assert answer.status == 200
        return dict(answer.json())
    answer = ServiceClient(stack.url(service)).request("GET", "/openapi.json")
    assert answer.status == 200
    document: dict[str, Any] = answer.json()
    paths: dict[str, Any] = {}
    for path, operations in document["paths"].items():
        if path in NOT_ROUTED_HERE or service_for(path.lstrip("/")) != service:
            continue
        kept = {m: op for m, op in operations.items() if (m.upper(), path) not in LOCKOUT}
        if kept:
            paths[PREFIX + path] = kept
    document["paths"] = paths
    return document


def known_path_parameters(
    operation: APIOperation, known: dict[str, tuple[str, ...]]
) -> list[dict[str, str]]:
    """Each combination of real ids for the operation's path, if it has a path parameter
    and all of them are known (and calling it with them cannot lock the test user out)."""
    names = [p.name for p in operation.path_parameters]
    route = (operation.method.upper(), operation.path.removeprefix(PREFIX))
    if not names or route in LOCKOUT_WITH_REAL_IDS or not all(n in known for n in names):
        return []
    return [dict(zip(names, values, strict=True)) for values in product(*(known[n] for n in names))]


def load_schema(stack: Stack, service: str) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_dict(routed_document(stack, service))
    schema.config.update(base_url=stack.url("gateway"))
    return schema


@dataclass
class Finding:
    operation: str
    mode: str
    request: str
    error: str


def fuzz_operation(
    operation: APIOperation,
    mode: GenerationMode,
    headers: dict[str, str],
    sent: Counter[int],
    path_parameters: dict[str, str] | None = None,
) -> Finding | None:
    """Up to EXAMPLES generated requests (with ``path_parameters`` fixed, if given); the
    first failing one, if any."""
    found: list[Finding] = []

    @hypothesis.settings(
        max_examples=EXAMPLES,
        database=None,
        derandomize=True,  # the same cases on every run: a red CI is reproducible
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    def run(case: schemathesis.Case) -> None:
        if found:
            return
        try:
            response = case.call(headers=headers)
            sent[response.status_code] += 1
            case.validate_response(
                response, headers=headers, checks=[not_a_server_error, response_schema_conformance]
            )
        except (AssertionError, FailureGroup) as failure:
            label = f"{mode.value}, ids {path_parameters}" if path_parameters else mode.value
            found.append(
                Finding(operation.label, label, case.as_curl_command(headers), str(failure))
            )

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        # Nothing to make invalid (no parameters, no body): only the positive mode applies.
        assert mode is GenerationMode.NEGATIVE, operation.label
    return found[0] if found else None


@pytest.mark.parametrize("service", ["gateway", *SERVICES])
def test_no_server_errors_and_answers_match_their_schemas(
    stack: Stack, caller: Caller, service: str
) -> None:
    schema = load_schema(stack, service)
    headers = {"Authorization": f"Bearer {caller.token}"}
    findings: list[Finding | None] = []
    operations = 0
    sent: Counter[int] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            findings.append(fuzz_operation(operation, mode, headers, sent))
        for path_parameters in known_path_parameters(operation, caller.known):
            findings.append(
                fuzz_operation(operation, GenerationMode.POSITIVE, headers, sent, path_parameters)
            )
    assert operations > 0
    # Shown with -s: how far the generated requests got (not only 401/404/422).
    print(
        f"{service}: {operations} operations, {sent.total()} requests, {dict(sorted(sent.items()))}"
    )
    failed = [f for f in findings if f is not None]
    assert not failed, "\n\n".join(
        f"{f.operation} ({f.mode}):\n  {f.request}\n{f.error}" for f in failed
    )


def test_the_token_still_works(stack: Stack, caller: Caller) -> None:
    """The run above must not have locked the test user out (else it fuzzed only 401s)."""
    client = stack.client()
    client.bearer = caller.token
    me = client.get("/me")
    assert "org_admin" in me["roles"]


def test_every_service_document_declares_problems(stack: Stack) -> None:
    for service in ("gateway", *SERVICES):
        document = routed_document(stack, service)
        assert document["paths"], service
        for operations in document["paths"].values():
            for operation in operations.values():
                problem = operation["responses"]["4XX"]["content"]["application/problem+json"]
                assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_declares_its_answer(stack: Stack, service: str) -> None:
    """Every service declares every success answer."""
    document = ServiceClient(stack.url(service)).request("GET", "/openapi.json").json()
    assert document["paths"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            status, success = next(iter(operation["responses"].items()))
            if status == "204":
                assert "content" not in success, (method, path)
                continue
            content = success["content"]
            if "application/json" in content:
                schema = content["application/json"]["schema"]
                assert schema["$ref"].startswith("#/components/schemas/"), (method, path)
            else:  # a download: CSV or XLSX
                assert set(content) <= {"text/csv", XLSX_MIME}, (method, path)
