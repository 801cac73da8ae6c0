"""The cases service's HTTP API: thin views that parse, call one operation, shape JSON.

Every route with an id answers 404 for another tenant's id (the operations load with
tenant scoping); the service skeleton writes the refusal to the caller's org's audit log."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, jsonify, request

from common.errors import FieldError, ValidationFailed
from common.http.audit_api import add_audit_route
from common.http.openapi import endpoint, page_of
from common.http.problems import domain_error_response
from common.http.service import bearer_token, current_principal, db, service_context
from common.service import dependencies
from services.cases.domain.versions import CaseChanged, Expected, etag
from services.cases.models import AuditEntry
from services.cases.operations import (
    CasesDeps,
    cases,
    consents,
    disclosure,
    erasure,
    imports,
    notes,
    records,
    retention,
    sensitive,
)
from services.cases.responses import (
    Assignee,
    CaseDetail,
    CaseSummary,
    ConsentAnswer,
    ContactAnswer,
    Disclosure,
    Erasure,
    ImportJobAnswer,
    NoteAnswer,
    OutcomeAnswer,
    PacketAnswer,
    RecordedActivity,
    RetentionDue,
    RetentionPolicyAnswer,
    SensitiveTerms,
    Timeline,
)
from services.cases.schemas import (
    ActivityCreate,
    CaseCreate,
    CaseListQuery,
    CasePatch,
    CloseBody,
    ConsentCreate,
    ContactCreate,
    EraseBody,
    ImportUploadQuery,
    NoteCreate,
    NoteQuery,
    OutcomeCreate,
    PacketQuery,
    ReopenBody,
    RetentionPolicyBody,
    SensitiveTermsBody,
    WithdrawBody,
)

bp = Blueprint("cases", __name__)
TAGS = ("cases",)


@bp.errorhandler(CaseChanged)
def _changed(error: CaseChanged) -> Response:
    response = domain_error_response(error)
    response.headers["ETag"] = etag(error.current)
    return response


def _expected() -> Expected | None:
    """The versions an If-Match names; None without one (an API.md client)."""
    if "If-Match" not in request.headers:
        return None
    tags = request.if_match
    return Expected.from_tags(tags.as_set(), star=tags.star_tag)


def _case(detail: dict[str, Any], status: int = 200) -> tuple[Response, int]:
    """A case answer with its version as the ETag."""
    response = jsonify(detail)
    response.headers["ETag"] = etag(detail["version"])
    return response, status


# --- cases -----------------------------------------------------------------------------


@bp.post("/cases")
@endpoint(
    "Open a case for a person (optionally with the first consultation)",
    body=CaseCreate,
    status=201,
    tags=TAGS,
    response=CaseDetail,
)
def open_case(body: CaseCreate) -> tuple[Response, int]:
    return _case(cases.open_case(db(), current_principal(), body), 201)


@bp.get("/cases")
@endpoint(
    "My org's cases: search by name or kana, filter by stage and staff",
    query=CaseListQuery,
    tags=TAGS,
    response=page_of(CaseSummary),
)
def list_cases(query: CaseListQuery) -> Response:
    return jsonify(cases.list_cases(db(), current_principal(), query))


@bp.get("/cases/<uuid:case_id>")
@endpoint(
    "One case with its contacts, activities, outcomes and consents", tags=TAGS, response=CaseDetail
)
def get_case(case_id: uuid.UUID) -> tuple[Response, int]:
    return _case(cases.get_case(db(), current_principal(), case_id))


@bp.patch("/cases/<uuid:case_id>")
@endpoint(
    "Edit the person, set the stage, assign staff. Only the fields sent change; with "
    "If-Match (the case's ETag) the edit is refused with 412 when the case changed meanwhile",
    body=CasePatch,
    tags=TAGS,
    response=CaseDetail,
)
def update_case(case_id: uuid.UUID, body: CasePatch) -> tuple[Response, int]:
    return _case(cases.update_case(db(), current_principal(), case_id, body, _expected()))


@bp.get("/cases/<uuid:case_id>/timeline")
@endpoint(
    "Contacts, activities, outcomes and stage changes, newest first", tags=TAGS, response=Timeline
)
def case_timeline(case_id: uuid.UUID) -> Response:
    return jsonify(cases.timeline(db(), current_principal(), case_id))


@bp.post("/cases/<uuid:case_id>/close")
@endpoint("Close a case, with its reason", body=CloseBody, tags=TAGS, response=CaseDetail)
def close_case(case_id: uuid.UUID, body: CloseBody) -> tuple[Response, int]:
    return _case(cases.close_case(db(), current_principal(), case_id, body, _expected()))


@bp.post("/cases/<uuid:case_id>/reopen")
@endpoint("Reopen a closed case, with its reason", body=ReopenBody, tags=TAGS, response=CaseDetail)
def reopen_case(case_id: uuid.UUID, body: ReopenBody) -> tuple[Response, int]:
    return _case(cases.reopen_case(db(), current_principal(), case_id, body, _expected()))


@bp.get("/cases/assignees")
@endpoint("People of my org a case can be assigned to", tags=TAGS, response=page_of(Assignee))
def assignees() -> Response:
    return jsonify(cases.assignees(db(), current_principal()))


# --- retention -------------------------------------------------------------------------


def _now() -> Any:
    return service_context().runtime.now()


@bp.get("/cases/retention/policy")
@endpoint(
    "My org's retention of closed cases (org admin)", tags=TAGS, response=RetentionPolicyAnswer
)
def retention_policy() -> Response:
    return jsonify(retention.get_policy(db(), current_principal()))


@bp.put("/cases/retention/policy")
@endpoint(
    "Set how many years after closing a closed case is kept (org admin; never below the "
    "legal minimum)",
    body=RetentionPolicyBody,
    tags=TAGS,
    response=RetentionPolicyAnswer,
)
def set_retention_policy(body: RetentionPolicyBody) -> Response:
    return jsonify(retention.set_policy(db(), current_principal(), body, _now()))


@bp.get("/cases/retention/due")
@endpoint(
    "Dry run: the closed cases the retention job would remove now (org admin)",
    tags=TAGS,
    response=RetentionDue,
)
def retention_due() -> Response:
    return jsonify(retention.due(db(), current_principal(), _now()))


@bp.get("/cases/<uuid:case_id>/disclosure")
@endpoint(
    "Everything held of the person, with the provision records (開示, APPI art. 33; org admin)",
    tags=TAGS,
    response=Disclosure,
)
def case_disclosure(case_id: uuid.UUID) -> Response:
    return jsonify(
        disclosure.disclose(
            db(),
            current_principal(),
            case_id,
            token=bearer_token(),
            provisions=dependencies(CasesDeps).provisions,
            now=_now(),
        )
    )


@bp.get("/cases/sensitive-terms")
@endpoint(
    "The 要配慮 dictionary: the default terms and my org's own", tags=TAGS, response=SensitiveTerms
)
def sensitive_terms() -> Response:
    return jsonify(sensitive.get_terms(db(), current_principal()))


@bp.put("/cases/sensitive-terms")
@endpoint(
    "Replace my org's own 要配慮 terms (org admin); the defaults always apply",
    body=SensitiveTermsBody,
    tags=TAGS,
    response=SensitiveTerms,
)
def set_sensitive_terms(body: SensitiveTermsBody) -> Response:
    return jsonify(sensitive.set_terms(db(), current_principal(), body, _now()))


@bp.post("/cases/<uuid:case_id>/erase")
@endpoint(
    "Erase the person's identifying and free-text fields and stop the case's use "
    "(利用停止・消去, APPI art. 35; org admin)",
    body=EraseBody,
    tags=TAGS,
    response=Erasure,
)
def erase_case(case_id: uuid.UUID, body: EraseBody) -> Response:
    return jsonify(erasure.erase(db(), current_principal(), case_id, body, _now()))


# --- records ---------------------------------------------------------------------------


@bp.post("/cases/<uuid:case_id>/contacts")
@endpoint(
    "Log a consultation (相談)", body=ContactCreate, status=201, tags=TAGS, response=ContactAnswer
)
def log_contact(case_id: uuid.UUID, body: ContactCreate) -> tuple[Response, int]:
    return jsonify(records.log_contact(db(), current_principal(), case_id, body)), 201


@bp.post("/cases/<uuid:case_id>/activities")
@endpoint(
    "Record a support activity",
    body=ActivityCreate,
    status=201,
    tags=TAGS,
    response=RecordedActivity,
)
def record_activity(case_id: uuid.UUID, body: ActivityCreate) -> tuple[Response, int]:
    return jsonify(records.record_activity(db(), current_principal(), case_id, body)), 201


@bp.post("/cases/<uuid:case_id>/outcomes")
@endpoint(
    "Record an outcome (job search started, path decided, retention)",
    body=OutcomeCreate,
    status=201,
    tags=TAGS,
    response=OutcomeAnswer,
)
def record_outcome(case_id: uuid.UUID, body: OutcomeCreate) -> tuple[Response, int]:
    return jsonify(records.record_outcome(db(), current_principal(), case_id, body)), 201


# --- consents and the packet -------------------------------------------------------------


@bp.get("/cases/<uuid:case_id>/consents")
@endpoint("A case's consents, newest first", tags=TAGS, response=page_of(ConsentAnswer))
def list_consents(case_id: uuid.UUID) -> Response:
    return jsonify(consents.list_consents(db(), current_principal(), case_id))


@bp.post("/cases/<uuid:case_id>/consents")
@endpoint(
    "Record a consent to share with other members",
    body=ConsentCreate,
    status=201,
    tags=TAGS,
    response=ConsentAnswer,
)
def record_consent(case_id: uuid.UUID, body: ConsentCreate) -> tuple[Response, int]:
    return jsonify(consents.record_consent(db(), current_principal(), case_id, body)), 201


@bp.get("/consents/<uuid:consent_id>")
@endpoint("One consent", tags=TAGS, response=ConsentAnswer)
def get_consent(consent_id: uuid.UUID) -> Response:
    return jsonify(consents.get_consent(db(), current_principal(), consent_id))


@bp.post("/consents/<uuid:consent_id>/withdraw")
@endpoint(
    "Withdraw a consent: future sharing stops at once",
    body=WithdrawBody,
    tags=TAGS,
    response=ConsentAnswer,
)
def withdraw_consent(consent_id: uuid.UUID, body: WithdrawBody) -> Response:
    return jsonify(consents.withdraw_consent(db(), current_principal(), consent_id, body))


@bp.get("/cases/<uuid:case_id>/packet")
@endpoint(
    "The referral packet of a case for a receiver, and the consent that covers it",
    query=PacketQuery,
    tags=TAGS,
    response=PacketAnswer,
)
def case_packet(case_id: uuid.UUID, query: PacketQuery) -> Response:
    return jsonify(consents.packet(db(), current_principal(), case_id, query))


# --- notes -----------------------------------------------------------------------------


@bp.get("/cases/<uuid:case_id>/notes")
@endpoint(
    "A case's notes (sensitive ones only for roles that may read them)",
    query=NoteQuery,
    tags=TAGS,
    response=page_of(NoteAnswer),
)
def list_notes(case_id: uuid.UUID, query: NoteQuery) -> Response:
    return jsonify(notes.list_notes(db(), current_principal(), case_id, query))


@bp.post("/cases/<uuid:case_id>/notes")
@endpoint(
    "Write a note; a sensitive category marks it 要配慮個人情報",
    body=NoteCreate,
    status=201,
    tags=TAGS,
    response=NoteAnswer,
)
def add_note(case_id: uuid.UUID, body: NoteCreate) -> tuple[Response, int]:
    return jsonify(notes.add_note(db(), current_principal(), case_id, body)), 201


# --- imports ---------------------------------------------------------------------------


def _uploaded() -> tuple[str | None, bytes]:
    """The file of a multipart form (field ``file``), or the raw body — refused with 413
    before it is read when it is larger than an import may be."""
    # The body is already within TSUNAGU_MAX_IMPORT_BYTES (common.http.bodylimit).
    if request.files:
        storage = request.files.get("file") or next(iter(request.files.values()))
        try:
            return storage.filename, storage.read()
        finally:
            storage.close()  # a large part is spooled to a temporary file
    if request.mimetype.startswith("multipart/"):
        raise ValidationFailed(FieldError("file", "Attach the file as the field 'file'", "missing"))
    return None, request.get_data(cache=False)


@bp.post("/imports")
@endpoint(
    "Upload a CSV or XLSX of cases and consultations: the worker checks every row (poll the "
    "job for its progress and preview)",
    query=ImportUploadQuery,
    status=202,
    tags=TAGS,
    response=ImportJobAnswer,
)
def upload_import(query: ImportUploadQuery) -> tuple[Response, int]:
    filename, content = _uploaded()
    result = imports.upload(db(), current_principal(), filename or query.filename, content)
    response = jsonify(result)
    response.headers["Location"] = f"/imports/{result['id']}"
    return response, 202


@bp.get("/imports")
@endpoint("My org's recent imports", tags=TAGS, response=page_of(ImportJobAnswer))
def list_imports() -> Response:
    return jsonify(imports.list_jobs(db(), current_principal()))


@bp.get("/imports/<uuid:import_id>")
@endpoint("An import's preview, errors and progress", tags=TAGS, response=ImportJobAnswer)
def get_import(import_id: uuid.UUID) -> Response:
    return jsonify(imports.get_job(db(), current_principal(), import_id))


@bp.post("/imports/<uuid:import_id>/commit")
@endpoint(
    "Commit a previewed import (all-or-nothing, done by the worker)",
    status=202,
    tags=TAGS,
    response=ImportJobAnswer,
)
def commit_import(import_id: uuid.UUID) -> tuple[Response, int]:
    return jsonify(imports.request_commit(db(), current_principal(), import_id)), 202


@bp.post("/imports/<uuid:import_id>/discard")
@endpoint("Discard a preview and forget its rows", tags=TAGS, response=ImportJobAnswer)
def discard_import(import_id: uuid.UUID) -> Response:
    return jsonify(imports.discard(db(), current_principal(), import_id))


# --- audit -----------------------------------------------------------------------------

add_audit_route(
    bp,
    AuditEntry,
    summary="My organization's case audit log (org admin); ?format=csv exports it",
    export_name="case-audit.csv",
    tags=TAGS,
)
