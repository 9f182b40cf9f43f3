"""Rescoring: score every stored audit against another standards version, into new reports (never overwriting).

Reports are unique per audit and version, so a run scores only the audits that still lack a report against the
version: re-running after an interruption carries on where it stopped, and re-running a finished run does
nothing. Audits stream from the database in batches by id (a keyset, not an offset); each batch is scored and
committed on its own, so memory stays flat however many audits there are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from api.errors import AuditInvalid, NotFound, StandardsNotFound
from api.service.audits import report_rows
from api.service.scoring import ScoringService
from api.storage import repository
from api.storage.db import session_scope
from api.storage.queries import rescore
from api.storage.tables import StoredReport

BATCH_SIZE = 200
MAX_LISTED_FAILURES = 50
Progress = Callable[[int, int], None]


@dataclass
class RescoreResult:
    """What a run did: audits in scope, how many already had a report, how many it scored, and any it could not."""

    standards: str
    audits: int
    already: int
    scored: int = 0
    skipped: int = 0
    failed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)


def _save(*, engine: Engine, batch: list[StoredReport]) -> tuple[int, int]:
    """Store a batch of reports in one transaction; if another run stored some meanwhile, store the rest one by one.

    Returns (stored, skipped because a report against the version already exists).
    """
    try:
        with session_scope(engine) as session:
            repository.insert_reports(session=session, reports=batch)
        return len(batch), 0
    except IntegrityError:
        stored = 0
        for report in batch:
            try:
                with session_scope(engine) as session:
                    repository.insert_reports(session=session, reports=[report])
                stored += 1
            except IntegrityError:
                continue
        return stored, len(batch) - stored


def rescore_audits(
    *,
    engine: Engine,
    scoring: ScoringService,
    standards: str,
    trust_id: str | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> RescoreResult:
    """Score every stored audit (of one trust, or all) that lacks a report against SET@VERSION ``standards``, a batch
    at a time, calling ``progress(done, to do)`` after each; returns what the run did.

    Raises StandardsNotFound (a version the catalogue does not know) and NotFound (no trust ``trust_id``).
    """
    target = scoring.catalog.get(standards)
    key = (target.set, target.version)
    with session_scope(engine) as session:
        if trust_id is not None and repository.get_trust(session=session, trust_id=trust_id) is None:
            raise NotFound(f"there is no trust {trust_id}")
        audits = rescore.count_audits(session=session, trust_id=trust_id)
        todo = rescore.count_unscored(session=session, standards=key, trust_id=trust_id)
    result = RescoreResult(standards=target.ref, audits=audits, already=audits - todo)
    if progress is not None:
        progress(0, todo)
    after, done = "", 0
    while True:
        with session_scope(engine) as session:
            rows = rescore.list_unscored(
                session=session, standards=key, trust_id=trust_id, after=after, limit=batch_size
            )
        if not rows:
            break
        after = rows[-1].id
        batch = []
        for row in rows:
            try:
                valid = scoring.validate_stored(row.body, row.questions_set, row.questions_version)
            except (AuditInvalid, StandardsNotFound) as error:
                result.failed += 1
                if len(result.failures) < MAX_LISTED_FAILURES:
                    result.failures.append((row.id, error.message))
                continue
            report = scoring.score_stored(valid, target)
            batch.append(report_rows(report, audit_id=row.id, urn=row.school_urn, encoded=True))
        stored, skipped = _save(engine=engine, batch=batch)
        result.scored += stored
        result.skipped += skipped
        done += len(rows)
        if progress is not None:
            progress(min(done, todo), todo)
    return result
