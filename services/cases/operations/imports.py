"""Importing an org's existing spreadsheet: upload → preview of every row's errors →
commit, all-or-nothing, by the worker, with progress the UI can poll."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session, sessionmaker

from common.clock import utcnow
from common.errors import Conflict, FieldError, NotFound, ValidationFailed
from common.permissions import Perm
from common.principal import Principal
from services.cases import events
from services.cases.domain.imports import CaseDraft, Validation, validate_sheet
from services.cases.domain.spreadsheets import inspect_upload, open_rows
from services.cases.domain.vocab import Stage
from services.cases.models import Case, Contact, ImportJob, Person, StageChange
from services.cases.operations.cases import person_search_key
from services.cases.operations.common import audit, iso, person_age_band, require, tenant_of

log = logging.getLogger(__name__)

PREVIEW_CASES = 200
"""How many of the cases to be created the preview lists (the counts cover all)."""
MAX_ERRORS_SHOWN = 1000
PREVIEW_TTL = timedelta(hours=24)
"""A preview not committed within this time is expired and its rows forgotten."""
STUCK_AFTER = timedelta(minutes=10)
PROGRESS_EVERY = 50

Progress = Callable[[uuid.UUID, int], None]


def _draft_json(draft: CaseDraft) -> dict[str, Any]:
    person = {k: (v.value if hasattr(v, "value") else v) for k, v in draft.person.items()}
    return {
        "case_ref": draft.case_ref,
        "rows": draft.rows,
        "person": person,
        "stage": draft.stage.value,
        "opened_at": iso(draft.opened_at),
        "contacts": [
            {
                "occurred_at": iso(c["contact_at"]),
                "channel": c["channel"].value,
                "by": c["by"].value,
                "relationship": c["relationship"].value if c.get("relationship") else None,
                "minutes": c.get("minutes"),
                "summary": c.get("summary"),
            }
            for c in draft.contacts
            if c.get("channel") is not None and c.get("by") is not None
        ],
    }


def job_as_dict(job: ImportJob) -> dict[str, Any]:
    drafts = job.payload or []
    preview = [
        {
            "case_ref": d["case_ref"],
            "rows": d["rows"],
            "display_name": d["person"].get("display_name"),
            "kana": d["person"].get("kana"),
            "stage": d["stage"],
            "opened_at": d["opened_at"],
            "contacts": len(d["contacts"]),
        }
        for d in drafts[:PREVIEW_CASES]
    ]
    total = job.case_count or 0
    return {
        "id": str(job.id),
        "status": job.status,
        "filename": job.filename,
        "format": job.format,
        "total_rows": job.total_rows,
        "case_count": job.case_count,
        "contact_count": job.contact_count,
        "size_bytes": job.size_bytes,
        "rows_read": job.rows_read,
        "error_count": job.error_count,
        "error_rows": job.error_rows,
        "errors": (job.errors or [])[:MAX_ERRORS_SHOWN],
        "progress": {
            "processed": job.processed_cases,
            "total": total,
            "percent": round(100 * job.processed_cases / total) if total else 0,
        },
        "preview": preview,
        "failure": job.failure,
        "created_by": str(job.created_by),
        "created_at": iso(job.created_at),
        "queued_at": iso(job.queued_at),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
    }


def upload(
    session: Session, principal: Principal, filename: str | None, content: bytes
) -> dict[str, Any]:
    """Keep the file and queue its check: the request only inspects it (size, kind, a sound
    workbook container — 422 otherwise); the worker reads and checks every row."""
    require(principal, Perm.CASE_IMPORT, "import cases")
    org_id = tenant_of(principal)
    kind = inspect_upload(filename, content)
    job = ImportJob(
        org_id=org_id,
        consortium_id=principal.consortium_id,
        created_by=principal.user_id,
        filename=(filename or "")[:200] or None,
        format=kind,
        status="uploaded",
        upload=content,
        size_bytes=len(content),
        errors=[],
    )
    session.add(job)
    session.flush()
    audit(
        session,
        principal,
        "import.upload",
        "import",
        job.id,
        details={"bytes": len(content), "format": kind},
    )
    session.commit()
    return job_as_dict(job)


def _load_job(session: Session, principal: Principal, job_id: uuid.UUID) -> ImportJob:
    require(principal, Perm.CASE_IMPORT, "import cases")
    job = session.scalar(
        sa.select(ImportJob).where(ImportJob.id == job_id, ImportJob.org_id == tenant_of(principal))
    )
    if job is None:
        raise NotFound("No such import")
    return job


def get_job(session: Session, principal: Principal, job_id: uuid.UUID) -> dict[str, Any]:
    job = _load_job(session, principal, job_id)
    audit(session, principal, "import.read", "import", job.id)
    session.commit()
    return job_as_dict(job)


def list_jobs(session: Session, principal: Principal) -> dict[str, Any]:
    require(principal, Perm.CASE_IMPORT, "import cases")
    rows = session.scalars(
        sa.select(ImportJob)
        .where(ImportJob.org_id == tenant_of(principal))
        .order_by(ImportJob.created_at.desc(), ImportJob.id)
        .limit(50)
    )
    items = [job_as_dict(j) | {"errors": [], "preview": []} for j in rows]
    return {"items": items, "next_cursor": None}


def request_commit(session: Session, principal: Principal, job_id: uuid.UUID) -> dict[str, Any]:
    job = _load_job(session, principal, job_id)
    if job.status == "invalid":
        raise Conflict(
            "The file has errors: correct them and upload it again", code="import_invalid"
        )
    if job.status != "previewed":
        raise Conflict(f"The import is {job.status}", code=f"import_{job.status}")
    job.status = "queued"
    job.queued_at = utcnow()
    audit(session, principal, "import.commit_requested", "import", job.id)
    session.commit()
    return job_as_dict(job)


def discard(session: Session, principal: Principal, job_id: uuid.UUID) -> dict[str, Any]:
    job = _load_job(session, principal, job_id)
    if job.status not in ("uploaded", "checking", "previewed", "invalid"):
        raise Conflict(f"The import is {job.status}", code=f"import_{job.status}")
    job.status = "discarded"
    job.payload = None
    job.upload = None
    job.finished_at = utcnow()
    audit(session, principal, "import.discard", "import", job.id)
    session.commit()
    return job_as_dict(job)


# --- the worker's side -----------------------------------------------------------------


def _claim(session: Session, job_id: uuid.UUID) -> bool:
    result = session.execute(
        sa.update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.status == "queued")
        .values(status="committing", started_at=utcnow(), processed_cases=0)
    )
    session.commit()
    return bool(sa_rowcount(result))


def sa_rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0) if isinstance(result, CursorResult) else 0


def _create(session: Session, job: ImportJob, draft: dict[str, Any]) -> Case:
    who = {"actor_id": job.created_by, "consortium_id": job.consortium_id}
    person_fields = dict(draft["person"])
    opened_at = datetime.fromisoformat(draft["opened_at"])
    contacts = [
        dict(c, occurred_at=datetime.fromisoformat(c["occurred_at"])) for c in draft["contacts"]
    ]
    last = max([opened_at, *(c["occurred_at"] for c in contacts)])
    closed = draft["stage"] == Stage.CLOSED.value
    person = Person(
        id=uuid.uuid4(),
        org_id=job.org_id,
        person_key=uuid.uuid4(),
        display_name=person_fields.pop("display_name"),
        search_key="",
        gender=person_fields.pop("gender", None) or "unknown",
        anonymous=bool(person_fields.pop("anonymous", False)),
        **person_fields,
    )
    person.search_key = person_search_key(person.display_name, person.kana)
    case = Case(
        id=uuid.uuid4(),
        org_id=job.org_id,
        person_id=person.id,
        person=person,
        stage=Stage.INTAKE.value if closed else draft["stage"],
        created_by=job.created_by,
        external_ref=draft["case_ref"],
        import_job_id=job.id,
        opened_at=opened_at,
        last_activity_at=last,
    )
    session.add_all([person, case])
    session.flush()  # rows below refer to the case; no relationship orders them
    session.add(
        StageChange(
            org_id=job.org_id,
            case_id=case.id,
            from_stage=None,
            to_stage=case.stage,
            kind="open",
            reason="import",
            changed_at=opened_at,
            recorded_by=job.created_by,
        )
    )
    events.case_opened(session, case, person_age_band(case), **who)
    for item in contacts:
        contact = Contact(
            id=uuid.uuid4(), org_id=job.org_id, case_id=case.id, recorded_by=job.created_by, **item
        )
        session.add(contact)
        events.contact_logged(session, case, contact, **who)
    if closed:
        case.stage_before_close = case.stage
        case.stage = Stage.CLOSED.value
        case.closed_at = last
        case.close_reason = "import"
        case.close_reason_code = "other"
        session.add(
            StageChange(
                org_id=job.org_id,
                case_id=case.id,
                from_stage=case.stage_before_close,
                to_stage=case.stage,
                kind="close",
                reason="import",
                changed_at=last,
                recorded_by=job.created_by,
            )
        )
        events.case_closed(session, case, **who)
    audit(
        session,
        None,
        "case.import",
        "case",
        case.id,
        org_id=job.org_id,
        actor_id=job.created_by,
        details={"import": str(job.id)},
    )
    return case


def commit_job(
    session_factory: sessionmaker[Session], job_id: uuid.UUID, progress: Progress | None = None
) -> bool:
    """Create every case of a queued import in ONE transaction; False if not claimable.

    ``progress`` (given where the database lets a second writer in, i.e. PostgreSQL)
    reports how many cases are done while the transaction is still open."""
    with session_factory() as session:
        if not _claim(session, job_id):
            return False
    try:
        with session_factory() as session:
            job = session.get(ImportJob, job_id)
            assert job is not None
            drafts = list(job.payload or [])
            taken = set(
                session.scalars(
                    sa.select(Case.external_ref).where(
                        Case.org_id == job.org_id,
                        Case.external_ref.in_([d["case_ref"] for d in drafts if d["case_ref"]]),
                    )
                )
            )
            if taken:
                raise Conflict(f"{len(taken)} case number(s) were imported meanwhile")
            for done, draft in enumerate(drafts, start=1):
                _create(session, job, draft)
                if done % PROGRESS_EVERY == 0:
                    session.flush()
                    if progress is not None:
                        progress(job_id, done)
            job.status = "committed"
            job.processed_cases = len(drafts)
            job.payload = None
            job.finished_at = utcnow()
            audit(
                session,
                None,
                "import.commit",
                "import",
                job.id,
                org_id=job.org_id,
                actor_id=job.created_by,
                details={"cases": len(drafts)},
            )
            session.commit()
    except Exception as exc:
        log.exception("import failed", extra={"import_id": str(job_id)})
        with session_factory() as session:
            job = session.get(ImportJob, job_id)
            if job is not None:
                job.status = "failed"
                job.failure = (exc.args[0] if isinstance(exc, Conflict) else type(exc).__name__)[
                    :500
                ]
                job.finished_at = utcnow()
                job.processed_cases = 0
                audit(
                    session,
                    None,
                    "import.commit",
                    "import",
                    job.id,
                    outcome="failed",
                    org_id=job.org_id,
                    actor_id=job.created_by,
                )
                session.commit()
        return True
    return True


# --- checking an upload (the worker) -----------------------------------------------------


CHECK_PROGRESS_EVERY = 500
"""Rows read between two progress updates of a check."""


def _claim_check(session: Session, job_id: uuid.UUID) -> bool:
    result = session.execute(
        sa.update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.status == "uploaded")
        .values(status="checking", started_at=utcnow(), rows_read=0)
    )
    session.commit()
    return bool(sa_rowcount(result))


def _counted(
    rows: Iterator[Sequence[Any]], report: Callable[[int], None]
) -> Iterator[Sequence[Any]]:
    count = 0
    for count, row in enumerate(rows, start=1):
        if count % CHECK_PROGRESS_EVERY == 0:
            report(count)
        yield row
    report(count)


def _validated(
    filename: str | None, content: bytes, existing: list[str], report: Callable[[int], None]
) -> Validation:
    """Every row's problems, read lazily from the file (no transaction is open meanwhile)."""
    try:
        _, rows = open_rows(filename, content)
        try:
            header = next(rows, None)
            if header is None:
                raise ValidationFailed(FieldError("file", "The file has no rows", "empty"))
            return validate_sheet(
                header, _counted(rows, report), now=utcnow(), existing_refs=existing
            )
        finally:
            rows.close()  # validation may stop early: the workbook is closed at once
    except ValidationFailed as refused:
        errors = [
            {"row": None, "field": e.field, "message": e.message, "code": e.code}
            for e in refused.errors
        ]
        return Validation(total_rows=0, drafts=[], errors=errors)


def check_job(session_factory: sessionmaker[Session], job_id: uuid.UUID) -> bool:
    """Read and check an uploaded file; the job ends ``previewed`` (nothing wrong) or
    ``invalid`` (every problem listed). Short transactions only: the file is parsed while
    none is open, so a long sheet never holds the database."""
    with session_factory() as session:
        if not _claim_check(session, job_id):
            return False
        job = session.get(ImportJob, job_id)
        assert job is not None
        content, filename = job.upload or b"", job.filename
        existing = [
            r
            for r in session.scalars(
                sa.select(Case.external_ref).where(
                    Case.org_id == job.org_id, Case.external_ref.is_not(None)
                )
            )
            if r
        ]
        session.rollback()

    def report(rows_read: int) -> None:
        with session_factory() as progress:
            progress.execute(
                sa.update(ImportJob).where(ImportJob.id == job_id).values(rows_read=rows_read)
            )
            progress.commit()

    result = _validated(filename, content, existing, report)
    with session_factory() as session:
        job = session.get(ImportJob, job_id)
        if job is None or job.status != "checking":
            return True  # discarded meanwhile
        job.status = "previewed" if result.ok else "invalid"
        job.upload = None
        job.total_rows = result.total_rows
        job.error_count = len(result.errors)
        job.error_rows = result.error_rows
        job.case_count = len(result.drafts)
        job.contact_count = result.contact_count
        job.errors = result.errors[:MAX_ERRORS_SHOWN]
        job.payload = [_draft_json(d) for d in result.drafts] if result.ok else None
        audit(
            session,
            None,
            "import.check",
            "import",
            job.id,
            org_id=job.org_id,
            actor_id=job.created_by,
            details={"rows": result.total_rows, "errors": len(result.errors)},
        )
        session.commit()
    return True


def _unreadable(session_factory: sessionmaker[Session], job_id: uuid.UUID) -> None:
    """A file the check itself choked on is refused like any unreadable file."""
    with session_factory() as session:
        job = session.get(ImportJob, job_id)
        if job is None or job.status != "checking":
            return
        job.status = "invalid"
        job.upload = None
        job.errors = [
            {
                "row": None,
                "field": "file",
                "message": "The file could not be read",
                "code": "format",
            }
        ]
        job.error_count = 1
        session.commit()


def uploaded_job_ids(session: Session) -> list[uuid.UUID]:
    return list(
        session.scalars(
            sa.select(ImportJob.id)
            .where(ImportJob.status == "uploaded")
            .order_by(ImportJob.created_at)
            .limit(10)
        )
    )


def queued_job_ids(session: Session) -> list[uuid.UUID]:
    return list(
        session.scalars(
            sa.select(ImportJob.id)
            .where(ImportJob.status == "queued")
            .order_by(ImportJob.queued_at)
            .limit(10)
        )
    )


def housekeeping(session: Session, now: datetime | None = None) -> None:
    """Forget previews nobody committed; requeue commits whose worker died."""
    now = now or utcnow()
    session.execute(
        sa.update(ImportJob)
        .where(
            ImportJob.status.in_(("previewed", "invalid")),
            ImportJob.created_at < now - PREVIEW_TTL,
        )
        .values(status="expired", payload=None, finished_at=now)
    )
    session.execute(
        sa.update(ImportJob)
        .where(ImportJob.status == "uploaded", ImportJob.created_at < now - PREVIEW_TTL)
        .values(status="expired", upload=None, finished_at=now)
    )
    session.execute(
        sa.update(ImportJob)
        .where(ImportJob.status == "committing", ImportJob.started_at < now - STUCK_AFTER)
        .values(status="queued", processed_cases=0)
    )
    session.execute(
        sa.update(ImportJob)
        .where(ImportJob.status == "checking", ImportJob.started_at < now - STUCK_AFTER)
        .values(status="uploaded", rows_read=0)
    )
    session.commit()


def report_progress(session_factory: sessionmaker[Session]) -> Progress:
    """Progress written by a second, short transaction next to the import's own."""

    def report(job_id: uuid.UUID, done: int) -> None:
        with session_factory() as session:
            session.execute(
                sa.update(ImportJob).where(ImportJob.id == job_id).values(processed_cases=done)
            )
            session.commit()

    return report


def run_queued(session_factory: sessionmaker[Session], *, concurrent_writes: bool) -> None:
    """The worker's periodic task: check every uploaded file, then commit every queued
    import. A commit's progress is reported from a second transaction where the database
    allows one beside the import's (PostgreSQL; SQLite has a single writer, so there the
    progress jumps when the import commits)."""
    progress = report_progress(session_factory) if concurrent_writes else None
    while True:
        with session_factory() as session:
            uploaded = uploaded_job_ids(session)
            queued = queued_job_ids(session)
        if not uploaded and not queued:
            return
        for job_id in uploaded:
            try:
                check_job(session_factory, job_id)
            except Exception:
                log.exception("import check failed", extra={"import_id": str(job_id)})
                _unreadable(session_factory, job_id)
        for job_id in queued:
            commit_job(session_factory, job_id, progress)
