"""Import jobs (the API's imports): an uploaded file queued, run on one background thread, and its status read.

Jobs run one at a time, in order, on one background thread; each writes its counts to its ``import_jobs`` row
as it goes. :class:`ImportJob` is the job as the API shows it.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine

from api.errors import NotFound, OapError
from api.service.access import Principal, require_admin
from api.service.imports.files import run_import
from api.service.imports.plan import ImportSource, check_file, display_name, plan_import
from api.service.imports.summary import ImportKind, ImportSummary, describe
from api.storage import repository
from api.storage.db import session_scope
from api.storage.tables import ImportJobRow, utcnow

log = logging.getLogger("oap.imports")

JOB_PROGRESS_SECONDS = 1.0


class JobStatus(enum.StrEnum):
    """Where an import job is."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


JobStatusName = Literal["queued", "running", "done", "failed"]


class ImportProblem(BaseModel):
    """A row that was not imported."""

    line: int = Field(description="The line the row starts on (the header is line 1).")
    message: str = Field(description="Why it was not imported.")


class ImportJob(BaseModel):
    """An import of a public data file, and how far it has got."""

    id: str
    kind: ImportKind
    filename: str = Field(description="The file's name, as recorded in the drafts' provenance.")
    status: JobStatusName
    rows: int = Field(description="Data rows read so far.")
    created: int = Field(description="Schools (GIAS) or drafts (SEN, workforce) created.")
    updated: int
    unchanged: int
    rejected: int = Field(description="Rows not imported; the first 100 are in problems.")
    skipped: int = Field(description="Rows of other years, or not about one school (when done).")
    problems: list[ImportProblem]
    message: str | None = Field(description="Why the job failed, or what else it did (census, trusts).")
    requested_by: str = Field(description="The id of the key that started it.")
    created_at: str
    finished_at: str | None


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _job_runner() -> ThreadPoolExecutor:
    """The one background thread import jobs run on, made when first needed."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oap-import")
        return _executor


def job_view(job: ImportJobRow) -> ImportJob:
    """An import job as the API shows it (times as ISO 8601 text, UTC)."""
    accounted = job.created + job.updated + job.unchanged + job.rejected
    return ImportJob(
        id=job.id,
        kind=ImportKind(job.kind),
        filename=job.filename,
        status=cast(JobStatusName, job.status),
        rows=job.rows,
        created=job.created,
        updated=job.updated,
        unchanged=job.unchanged,
        rejected=job.rejected,
        skipped=max(job.rows - accounted, 0) if job.status == JobStatus.done else 0,
        problems=[ImportProblem.model_validate(problem) for problem in job.problems],
        message=job.message,
        requested_by=job.requested_by,
        created_at=job.created_at.isoformat(),
        finished_at=job.finished_at.isoformat() if job.finished_at else None,
    )


def _update_job(engine: Engine, job_id: str, **fields: Any) -> None:
    with session_scope(engine) as session:
        job = repository.get_import_job(session=session, job_id=job_id)
        if job is None:
            return
        for name, value in fields.items():
            setattr(job, name, value)
        repository.save_import_job(session=session, job=job)


def _run_job(engine: Engine, job_id: str, kind: ImportKind, path: Path, file_name: str, label: str | None) -> None:
    """Run one import job to the end, recording progress and the outcome on its row; never raises."""
    last_saved = 0.0

    def save_progress(summary: ImportSummary, done: int, size: int) -> None:
        nonlocal last_saved
        if time.monotonic() - last_saved >= JOB_PROGRESS_SECONDS:
            _update_job(engine, job_id, **summary.progress())
            last_saved = time.monotonic()

    try:
        _update_job(engine, job_id, status=JobStatus.running.value)
        plan = plan_import(kind=kind, path=path, file_name=file_name, census_label=label)
        summary = run_import(engine=engine, plan=plan, on_progress=save_progress)
        _update_job(
            engine,
            job_id,
            **summary.progress(),
            status=JobStatus.done.value,
            message=describe(summary) or None,
            finished_at=utcnow(),
        )
    except Exception as error:
        if isinstance(error, OapError):
            message = error.message
        else:
            log.exception("import job failed", extra={"fields": {"job": job_id, "kind": kind.value}})
            message = f"the import stopped on an unexpected error (logged under job {job_id})"
        message += "; rows written before it stopped are kept, and importing the file again is safe"
        try:
            _update_job(engine, job_id, status=JobStatus.failed.value, message=message[:2000], finished_at=utcnow())
        except Exception:
            log.exception("could not record a failed import job", extra={"fields": {"job": job_id}})
    finally:
        path.unlink(missing_ok=True)


def start_import_job(*, engine: Engine, principal: Principal, source: ImportSource) -> ImportJob:
    """Queue an import of an uploaded file (admin only) and return the job (status ``queued``).

    The file at ``source.path`` becomes the job's and is removed when the job ends (or here, when it cannot start).
    Its header is checked first, so a file with missing columns is refused at once and no job is made. Raises
    Forbidden for a key that is not admin, InputFileError for an unusable header or census.
    """
    kind, path, label = source.kind, source.path, source.census_label
    try:
        require_admin(principal)
        name = display_name(source.file_name, f"{kind.value}.csv")
        check_file(kind=kind, path=path, file_name=name, census_label=label)
        job = ImportJobRow(id=uuid.uuid4().hex, kind=kind.value, filename=name, requested_by=principal.key_id)
        with session_scope(engine) as session:
            repository.save_import_job(session=session, job=job)
        _job_runner().submit(_run_job, engine, job.id, kind, path, name, label)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return job_view(job)


def get_import_job(*, engine: Engine, principal: Principal, job_id: str) -> ImportJob:
    """An import job's status, counts and first rejected rows (admin only).

    Raises Forbidden for a key that is not admin, NotFound for an unknown job.
    """
    require_admin(principal)
    with session_scope(engine) as session:
        job = repository.get_import_job(session=session, job_id=job_id)
        if job is None:
            raise NotFound(f"there is no import job {job_id}")
        return job_view(job)
