"""Importing one public data file now: row by row, a batch at a time, every bad row reported and the rest kept.

Every import reads its file row by row and commits every :data:`BATCH_ROWS` rows, so memory stays the same
whatever the size of the file. Everything that can make the whole file unusable (encoding, the header, the
census it describes) is checked before the first row is written. A bad row is reported with its line number
and reason and the rest are imported. Running an import again with the same file changes nothing (every row is
``unchanged``), and after a failure part-way it finishes the job.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from sqlalchemy.engine import Engine

from api.imports.columns import RowRejected, UrnSet
from api.imports.reader import CsvFile
from api.service.access import Principal, require_admin
from api.service.imports.plan import ImportSource, Plan, display_name, plan_import
from api.service.imports.summary import ImportKind, ImportSummary, ProblemHook, ProgressHook, RowProblem
from api.service.imports.writers import CensusWriter, GiasWriter

BATCH_ROWS = 500
PROBLEMS_KEPT = 100


def run_import(
    *,
    engine: Engine,
    plan: Plan,
    on_progress: ProgressHook | None = None,
    on_problem: ProblemHook | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ImportSummary:
    """Import a checked file (see :func:`plan_import`) a batch of ``batch_rows`` rows at a time; returns the summary.

    Rejected rows are counted (the first :data:`PROBLEMS_KEPT` kept) and passed to ``on_problem``; ``on_progress``
    is called after each batch. Raises DatabaseUnavailable when the database cannot be reached (the batches
    written before are kept).
    """
    start = ImportSummary(plan.kind, plan.file_name, census=plan.census, period=plan.period)
    counts: Counter[str] = Counter()  # by the names of ImportSummary's counts
    problems: list[RowProblem] = []
    writer: GiasWriter | CensusWriter = (
        GiasWriter(engine, plan.positions)
        if plan.kind is ImportKind.gias
        else CensusWriter(engine, plan, f"import:{plan.kind.value}")
    )
    seen = UrnSet()
    batch: list[tuple[int, Any]] = []

    def summary() -> ImportSummary:
        changes: dict[str, Any] = {**counts, "problems": tuple(problems)}
        return replace(start, **changes)

    def reject(problem: RowProblem) -> None:
        counts["rejected"] += 1
        if len(problems) < PROBLEMS_KEPT:
            problems.append(problem)
        if on_problem is not None:
            on_problem(problem)

    def flush(done: int, size: int) -> None:
        for problem in writer.write(batch, counts):
            reject(problem)
        batch.clear()
        if on_progress is not None:
            on_progress(summary(), done, size)

    with CsvFile(plan.path, encoding=plan.encoding, display_name=plan.file_name) as source:
        width = len(source.header)
        for row in source.rows():
            counts["rows"] += 1
            try:
                if row.error is not None:
                    raise RowRejected(row.error)
                if len(row.cells) != width:
                    raise RowRejected(f"has {len(row.cells)} cells but the header row has {width}")
                record = writer.parse(row.cells)
                if record is None:
                    counts["skipped"] += 1
                    continue
                if not seen.add(record.urn):
                    raise RowRejected(f"URN {record.urn} is on an earlier row too; only the first row is imported")
            except RowRejected as rejection:
                reject(RowProblem(row.line, rejection.message))
                continue
            batch.append((row.line, record))
            if len(batch) >= batch_rows:
                flush(source.position, source.size)
        flush(source.size, source.size)
    return summary()


def import_file(
    *,
    engine: Engine,
    principal: Principal,
    source: ImportSource,
    on_progress: ProgressHook | None = None,
    on_problem: ProblemHook | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ImportSummary:
    """Import one file now (admin only); returns what it did.

    Raises Forbidden for a key that is not admin, InputFileError (with nothing written) when the file is unusable.
    """
    require_admin(principal)
    plan = plan_import(
        kind=source.kind,
        path=source.path,
        file_name=display_name(source.file_name, source.path.name),
        census_label=source.census_label,
    )
    return run_import(engine=engine, plan=plan, on_progress=on_progress, on_problem=on_problem, batch_rows=batch_rows)
