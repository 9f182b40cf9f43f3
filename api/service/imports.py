"""Use cases for importing public data files (admin only).

* ``gias``: the Get Information About Schools establishment extract creates and updates schools and their
  trusts. A closed establishment is marked closed, never deleted; a school missing from the file is left alone.
* ``sen`` and ``workforce``: the school-level SEN and workforce census files prefill each known school's draft
  audit, recording in the draft's ``provenance`` where each value came from. A value the school typed is never
  overwritten; an unknown URN is a rejected row (a school is never created from these files).

Every import reads its file row by row and commits every :data:`BATCH_ROWS` rows, so memory stays the same
whatever the size of the file. Everything that can make the whole file unusable (encoding, the header, the
census it describes) is checked before the first row is written. A bad row is reported with its line number
and reason and the rest are imported. Running an import again with the same file changes nothing (every row is
``unchanged``), and after a failure part-way it finishes the job.

Over the API an upload becomes an *import job* (``import_jobs``): queued, then run on one background thread
(jobs run one at a time, in order), which writes its counts to the job row as it goes.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import Any

from sqlalchemy.engine import Engine

from api.errors import InputFileError, NotFound, OapError
from api.imports import census, gias
from api.imports.columns import Column, RowRejected, UrnSet, cell, locate
from api.imports.reader import WINDOWS_1252, CsvFile, choose_encoding
from api.service.access import Principal, require_admin
from api.storage import repository
from api.storage.db import session_scope
from api.storage.tables import DraftRow, ImportJobRow, SchoolRow, TrustRow, utcnow

log = logging.getLogger("oap.imports")

BATCH_ROWS = 500
PROBLEMS_KEPT = 100
JOB_PROGRESS_SECONDS = 1.0
MAX_CENSUS_LABEL = 40


class ImportKind(enum.StrEnum):
    """The public files that can be imported."""

    gias = "gias"
    sen = "sen"
    workforce = "workforce"

    @property
    def description(self) -> str:
        """What the file is, in words."""
        return {
            ImportKind.gias: "GIAS establishments",
            ImportKind.sen: "SEN statistics",
            ImportKind.workforce: "school workforce census",
        }[self]


class JobStatus(enum.StrEnum):
    """Where an import job is."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that was not imported: the line it starts on (the header is line 1) and why."""

    line: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"line": self.line, "message": self.message}


@dataclass
class ImportSummary:
    """What one import did. Counts are of data rows: schools for GIAS, drafts for the census files."""

    kind: ImportKind
    file: str
    census: str | None = None
    period: str | None = None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    skipped: int = 0
    trusts_created: int = 0
    trusts_updated: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """The row counts kept on an import job."""
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


ProgressHook = Callable[[ImportSummary, int, int], None]
"""Called after each batch is written (and at the end) with the summary so far, bytes read and the file size."""
ProblemHook = Callable[[RowProblem], None]
"""Called for every rejected row, as it is found."""


# ---------------------------------------------------------------------------------------------- checking a file


@dataclass(frozen=True, slots=True)
class _Plan:
    """A file checked and ready to import."""

    kind: ImportKind
    path: Path
    file_name: str
    encoding: str
    positions: dict[str, int]
    census: str | None = None
    period_start: int | None = None
    period: str | None = None


def display_name(name: str | None, fallback: str) -> str:
    """The file's own name (no folders, at most 300 characters), as recorded in provenance and on the job."""
    base = PureWindowsPath(name or "").name  # handles both / and \ separators
    printable = "".join(char for char in base if char.isprintable()).strip()
    return (printable or fallback)[:300]


def _columns(kind: ImportKind) -> tuple[Sequence[Column], str]:
    if kind is ImportKind.gias:
        return gias.COLUMNS, gias.WHAT
    spec = census.FORMATS[kind.value]
    return spec.columns, spec.what


def _check_census_option(value: str | None) -> str | None:
    if value is None:
        return None
    label = " ".join(value.split())
    if not label or len(label) > MAX_CENSUS_LABEL or not label.isprintable():
        raise InputFileError(
            f"the census must be named in 1 to {MAX_CENSUS_LABEL} printable characters, e.g. 'January 2025'"
        )
    return label


def check_file(*, kind: ImportKind, path: Path, file_name: str, census_label: str | None = None) -> None:
    """Check the header (and that the census is known) without reading further; raises InputFileError."""
    _check_census_option(census_label)
    columns, what = _columns(kind)
    with CsvFile(path, encoding=WINDOWS_1252, display_name=file_name) as source:  # headers are plain ASCII
        positions = locate(source.header, columns, file_name=file_name, what=what)
    if kind is not ImportKind.gias and "period" not in positions and census_label is None:
        raise _census_unknown(kind, file_name)


def _census_unknown(kind: ImportKind, file_name: str) -> InputFileError:
    example = census.FORMATS[kind.value].census_label(2024)
    return InputFileError(
        f"{file_name}: the file has no time_period column, so the census it describes is unknown; name it "
        f"(the --census option, or ?census= over the API), e.g. '{example}'; nothing was imported"
    )


def _plan(kind: ImportKind, path: Path, file_name: str, census_label: str | None) -> _Plan:
    """Everything checked before a row is written: encoding, header and, for the census files, which year."""
    label = _check_census_option(census_label)
    encoding = choose_encoding(path, windows_by_default=kind is ImportKind.gias)
    columns, what = _columns(kind)
    with CsvFile(path, encoding=encoding, display_name=file_name) as source:
        positions = locate(source.header, columns, file_name=file_name, what=what)
    if kind is ImportKind.gias:
        return _Plan(kind, path, file_name, encoding, positions)
    spec = census.FORMATS[kind.value]
    start, period = _latest_period(path, encoding, file_name, positions) if "period" in positions else (None, None)
    if start is not None:
        label = label or spec.census_label(start)
    if label is None:
        raise _census_unknown(kind, file_name)
    return _Plan(kind, path, file_name, encoding, positions, label, start, period)


def _latest_period(path: Path, encoding: str, file_name: str, positions: dict[str, int]) -> tuple[int | None, str]:
    """The latest academic year in the time_period column (one pass over the file; only distinct years are kept)."""
    starts: dict[int, str] = {}
    with CsvFile(path, encoding=encoding, display_name=file_name) as source:
        for row in source.rows():
            if row.error is None and len(row.cells) == len(source.header):
                text = cell(row.cells, positions, "period")
                start = census.period_start(text)
                if start is not None:
                    starts.setdefault(start, text)
    if not starts:
        return None, ""
    latest = max(starts)
    return latest, starts[latest]


# ---------------------------------------------------------------------------------------------- writing batches


class _GiasWriter:
    """Schools and trusts from GIAS rows, a batch at a time (plain values: no ORM objects for 50,000 rows)."""

    def __init__(self, engine: Engine, positions: dict[str, int]) -> None:
        self.engine = engine
        self.positions = positions
        self.trusts_done: set[str] = set()  # trusts already written in this run: the first row naming one wins

    def parse(self, cells: Sequence[str]) -> gias.Establishment | None:
        return gias.parse(cells, self.positions)

    def write(self, batch: Sequence[tuple[int, Any]], summary: ImportSummary) -> list[RowProblem]:
        establishments: list[gias.Establishment] = [record for _, record in batch]
        wanted: dict[str, str] = {}
        for item in establishments:
            if item.trust is not None and item.trust[0] not in self.trusts_done:
                wanted.setdefault(*item.trust)
        now = utcnow()
        with session_scope(self.engine) as session:
            names = repository.get_trust_names(session=session, trust_ids=list(wanted))
            new_trusts = [
                {"id": i, "name": n, "created_at": now, "updated_at": now} for i, n in wanted.items() if i not in names
            ]
            renamed = [
                {"id": i, "name": n, "updated_at": now} for i, n in wanted.items() if i in names and names[i] != n
            ]
            repository.insert_rows(session=session, table=TrustRow, rows=new_trusts)
            repository.update_rows(session=session, table=TrustRow, rows=renamed)
            stored = repository.get_school_values(session=session, urns=[item.urn for item in establishments])
            new_schools: list[dict[str, Any]] = []
            changed: list[dict[str, Any]] = []
            for item in establishments:
                before = stored.get(item.urn)
                if before is None:
                    new_schools.append({"urn": item.urn, **item.fields, "created_at": now, "updated_at": now})
                elif any(before[name] != value for name, value in item.fields.items()):
                    changed.append({"urn": item.urn, **item.fields, "updated_at": now})
            repository.insert_rows(session=session, table=SchoolRow, rows=new_schools)
            repository.update_rows(session=session, table=SchoolRow, rows=changed)
        self.trusts_done.update(wanted)
        summary.created += len(new_schools)
        summary.updated += len(changed)
        summary.unchanged += len(establishments) - len(new_schools) - len(changed)
        summary.trusts_created += len(new_trusts)
        summary.trusts_updated += len(renamed)
        return []


class _CensusWriter:
    """Draft audits prefilled from SEN or workforce rows, a batch at a time."""

    def __init__(self, engine: Engine, plan: _Plan, updated_by: str) -> None:
        self.engine = engine
        self.spec = census.FORMATS[plan.kind.value]
        self.positions = plan.positions
        self.period_start = plan.period_start
        self.origin = {"source": self.spec.source, "file": plan.file_name, "census": plan.census}
        self.updated_by = updated_by

    def parse(self, cells: Sequence[str]) -> census.SchoolFigures | None:
        """The row's figures, or None for a row this import does not cover (another year, not a school)."""
        if not census.is_school_level(cells, self.positions):
            return None
        if self.period_start is not None:
            text = cell(cells, self.positions, "period")
            start = census.period_start(text)
            if start is None:
                raise RowRejected(f"time_period is '{text}', which is not an academic year such as 202425")
            if start != self.period_start:
                return None
        return census.parse(self.spec, cells, self.positions)

    def write(self, batch: Sequence[tuple[int, Any]], summary: ImportSummary) -> list[RowProblem]:
        urns = [record.urn for _, record in batch]
        problems: list[RowProblem] = []
        new_drafts: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        unchanged = 0
        now = utcnow()
        with session_scope(self.engine) as session:
            schools = repository.get_school_values(session=session, urns=urns)
            drafts = repository.get_draft_values(session=session, urns=urns)
            for line, figures in batch:
                if figures.urn not in schools:
                    problems.append(
                        RowProblem(line, f"there is no school with URN {figures.urn}; import the GIAS file first")
                    )
                    continue
                draft = drafts.get(figures.urn)
                if draft is None and not figures.values:
                    unchanged += 1
                    continue
                old_body = draft["body"] if draft else {"school": {"urn": figures.urn}}
                old_provenance = draft["provenance"] if draft else {}
                body, provenance = census.merge_prefill(old_body, old_provenance, figures.values, self.origin)
                values = {"body": body, "provenance": provenance, "updated_by": self.updated_by, "updated_at": now}
                if draft is None:
                    new_drafts.append({"school_urn": figures.urn, **values})
                elif body != old_body or provenance != old_provenance:
                    changed.append({"school_urn": figures.urn, **values})
                else:
                    unchanged += 1
            repository.insert_rows(session=session, table=DraftRow, rows=new_drafts)
            repository.update_rows(session=session, table=DraftRow, rows=changed)
        summary.created += len(new_drafts)
        summary.updated += len(changed)
        summary.unchanged += unchanged
        return problems


# ---------------------------------------------------------------------------------------------- the import


def _reject(summary: ImportSummary, problem: RowProblem, on_problem: ProblemHook | None) -> None:
    summary.rejected += 1
    if len(summary.problems) < PROBLEMS_KEPT:
        summary.problems.append(problem)
    if on_problem is not None:
        on_problem(problem)


def _import(
    *,
    engine: Engine,
    plan: _Plan,
    updated_by: str,
    on_progress: ProgressHook | None,
    on_problem: ProblemHook | None,
    batch_rows: int,
) -> ImportSummary:
    summary = ImportSummary(plan.kind, plan.file_name, census=plan.census, period=plan.period)
    writer: _GiasWriter | _CensusWriter = (
        _GiasWriter(engine, plan.positions) if plan.kind is ImportKind.gias else _CensusWriter(engine, plan, updated_by)
    )
    seen = UrnSet()
    batch: list[tuple[int, Any]] = []

    def flush(done: int, size: int) -> None:
        for problem in writer.write(batch, summary):
            _reject(summary, problem, on_problem)
        batch.clear()
        if on_progress is not None:
            on_progress(summary, done, size)

    with CsvFile(plan.path, encoding=plan.encoding, display_name=plan.file_name) as source:
        width = len(source.header)
        for row in source.rows():
            summary.rows += 1
            try:
                if row.error is not None:
                    raise RowRejected(row.error)
                if len(row.cells) != width:
                    raise RowRejected(f"has {len(row.cells)} cells but the header row has {width}")
                record = writer.parse(row.cells)
                if record is None:
                    summary.skipped += 1
                    continue
                if not seen.add(record.urn):
                    raise RowRejected(f"URN {record.urn} is on an earlier row too; only the first row is imported")
            except RowRejected as rejection:
                _reject(summary, RowProblem(row.line, rejection.message), on_problem)
                continue
            batch.append((row.line, record))
            if len(batch) >= batch_rows:
                flush(source.position, source.size)
        flush(source.size, source.size)
    return summary


def import_file(
    *,
    engine: Engine,
    principal: Principal,
    kind: ImportKind,
    path: Path,
    file_name: str | None = None,
    census_label: str | None = None,
    on_progress: ProgressHook | None = None,
    on_problem: ProblemHook | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ImportSummary:
    """Import one file now (admin only); raises InputFileError, with nothing written, when the file is unusable."""
    require_admin(principal)
    name = display_name(file_name, path.name)
    plan = _plan(kind, path, name, census_label)
    return _import(
        engine=engine,
        plan=plan,
        updated_by=f"import:{kind.value}",
        on_progress=on_progress,
        on_problem=on_problem,
        batch_rows=batch_rows,
    )


def describe(summary: ImportSummary) -> str:
    """What else the import did, beyond its counts, in one line (empty when there is nothing to add)."""
    notes = []
    if summary.census:
        period = f" (time_period {summary.period})" if summary.period else ""
        notes.append(f"census {summary.census}{period}")
    if summary.kind is ImportKind.gias:
        notes.append(f"trusts: {summary.trusts_created} created, {summary.trusts_updated} updated")
    if summary.skipped:
        rows = "row" if summary.skipped == 1 else "rows"
        notes.append(f"{summary.skipped:,} {rows} skipped (other years, or not a school)")
    return "; ".join(notes)


# ---------------------------------------------------------------------------------------------- jobs (the API)

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _job_runner() -> ThreadPoolExecutor:
    """The one background thread import jobs run on, made when first needed."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oap-import")
        return _executor


def job_view(job: ImportJobRow) -> dict[str, Any]:
    """An import job as the API shows it."""
    accounted = job.created + job.updated + job.unchanged + job.rejected
    return {
        "id": job.id,
        "kind": job.kind,
        "filename": job.filename,
        "status": job.status,
        "rows": job.rows,
        "created": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "rejected": job.rejected,
        "skipped": max(job.rows - accounted, 0) if job.status == JobStatus.done else 0,
        "problems": list(job.problems),
        "message": job.message,
        "requested_by": job.requested_by,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


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
            _update_job(engine, job_id, **summary.counts(), problems=[p.as_dict() for p in summary.problems])
            last_saved = time.monotonic()

    try:
        _update_job(engine, job_id, status=JobStatus.running.value)
        plan = _plan(kind, path, file_name, label)
        summary = _import(
            engine=engine,
            plan=plan,
            updated_by=f"import:{kind.value}",
            on_progress=save_progress,
            on_problem=None,
            batch_rows=BATCH_ROWS,
        )
        _update_job(
            engine,
            job_id,
            **summary.counts(),
            problems=[p.as_dict() for p in summary.problems],
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


def start_import_job(
    *,
    engine: Engine,
    principal: Principal,
    kind: ImportKind,
    path: Path,
    file_name: str | None = None,
    census_label: str | None = None,
) -> dict[str, Any]:
    """Queue an import of an uploaded file (admin only) and return the job.

    The file at ``path`` becomes the job's and is removed when the job ends (or here, when it cannot start). Its
    header is checked first, so a file with missing columns is refused at once and no job is made.
    """
    try:
        require_admin(principal)
        name = display_name(file_name, f"{kind.value}.csv")
        check_file(kind=kind, path=path, file_name=name, census_label=census_label)
        job = ImportJobRow(id=uuid.uuid4().hex, kind=kind.value, filename=name, requested_by=principal.key_id)
        with session_scope(engine) as session:
            repository.save_import_job(session=session, job=job)
        _job_runner().submit(_run_job, engine, job.id, kind, path, name, census_label)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return job_view(job)


def get_import_job(*, engine: Engine, principal: Principal, job_id: str) -> dict[str, Any]:
    """An import job's status, counts and first rejected rows (admin only)."""
    require_admin(principal)
    with session_scope(engine) as session:
        job = repository.get_import_job(session=session, job_id=job_id)
        if job is None:
            raise NotFound(f"there is no import job {job_id}")
        return job_view(job)
