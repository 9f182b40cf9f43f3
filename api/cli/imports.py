"""The ``oap import`` commands: ``oap import gias|sen|workforce FILE``.

Rejected rows are listed on standard error as ``FILE: line N: reason`` while the import goes on; the summary
goes to standard output. Exit status: 0 when every row was imported (created, updated, unchanged or skipped),
1 when some rows were rejected (every other row was imported) or the file cannot be used at all (nothing was
written), 2 for a usage error such as a database that needs ``oap db upgrade``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.engine import Engine

from api.config import get_settings
from api.errors import InputFileError, UsageError
from api.service.access import Principal, Role
from api.service.imports import ImportKind, ImportSummary, RowProblem, describe, import_file
from api.storage.db import make_engine
from api.storage.migrate import current_revision, head_revision

CLI_ADMIN = Principal(key_id="cli", role=Role.admin)
BAR_WIDTH = 30


class ImportProgress:
    """A one-line progress bar on standard error, only when it is a terminal: share of the file, rows, rows/s."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.started = time.monotonic()
        self.last = 0.0
        self.shown = False

    def update(self, summary: ImportSummary, done: int, total: int, *, final: bool = False) -> None:
        """Redraw the bar, at most ten times a second."""
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self.last < 0.1:
            return
        self.last = now
        share = done / total if total else 1.0
        filled = int(BAR_WIDTH * share)
        rate = summary.rows / max(now - self.started, 1e-6)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {100 * share:5.1f}% {summary.rows:,} rows, {rate:,.0f}/s"
        )
        self.stream.flush()
        self.shown = True

    def note(self, text: str) -> None:
        """Write a line of its own above the bar."""
        if self.shown:
            self.stream.write("\r\033[K")
            self.shown = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self, summary: ImportSummary) -> None:
        """Draw the full bar and end its line."""
        if self.enabled:
            self.update(summary, 1, 1, final=True)
            self.stream.write("\n")
            self.stream.flush()


def _engine() -> Engine:
    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    current, newest = current_revision(engine), head_revision()
    if current != newest:
        engine.dispose()
        raise UsageError(f"the database is at revision {current or 'empty'}, not {newest}: run 'oap db upgrade' first")
    return engine


def print_summary(summary: ImportSummary, out: TextIO) -> None:
    """The summary of one import, in a few aligned lines."""
    noun = "schools" if summary.kind is ImportKind.gias else "drafts"
    out.write(f"{summary.file} ({summary.kind.description}): {summary.rows:,} rows read\n")
    for label, count in (
        ("created", summary.created),
        ("updated", summary.updated),
        ("unchanged", summary.unchanged),
    ):
        out.write(f"  {label:<10} {count:>7,} {noun}\n")
    out.write(f"  {'rejected':<10} {summary.rejected:>7,} rows\n")
    note = describe(summary)
    if note:
        out.write(f"  {note}\n")


def cmd_import(args: argparse.Namespace) -> int:
    kind = ImportKind(args.kind)
    path = Path(args.file)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    engine = _engine()
    progress = ImportProgress()

    def report(problem: RowProblem) -> None:
        progress.note(f"{path.name}: line {problem.line}: {problem.message}")

    try:
        summary = import_file(
            engine=engine,
            principal=CLI_ADMIN,
            kind=kind,
            path=path,
            census_label=getattr(args, "census", None),
            on_progress=progress.update,
            on_problem=report,
        )
    finally:
        engine.dispose()
    progress.finish(summary)
    print_summary(summary, sys.stdout)
    sys.stdout.flush()
    if summary.rejected:
        rows = "row was" if summary.rejected == 1 else "rows were"
        sys.stderr.write(f"oap: {summary.rejected:,} {rows} rejected (listed above); the other rows were imported\n")
        return 1
    return 0


def add_commands(commands: Any) -> None:
    """Add ``oap import …`` to the ``oap`` parser."""
    parser = commands.add_parser(
        "import",
        help="import public data: GIAS schools and trusts, SEN and workforce census figures into draft audits",
        description="Import a public data file into the database (OAP_DATABASE_URL). Each import reads the file "
        "row by row in constant memory, commits in batches, and can be run again safely: a second run with the "
        "same file changes nothing. Rejected rows are listed on standard error with their line numbers; exit "
        "status 1 when any row was rejected.",
    )
    kinds = parser.add_subparsers(dest="import_command", metavar="KIND", required=True)
    gias = kinds.add_parser(
        "gias",
        help="create and update schools and trusts from the GIAS establishment file (edubasealldata…csv)",
        description="Create and update schools and trusts from the Get Information About Schools establishment "
        "extract (Windows-1252). Closed establishments are marked closed, never deleted.",
    )
    gias.add_argument("file", metavar="FILE", help="edubasealldataYYYYMMDD.csv")
    gias.set_defaults(handler=cmd_import, kind=ImportKind.gias.value)
    for kind, help_text, example, census_help in (
        (
            ImportKind.sen,
            "prefill draft audits (pupils on roll, SEN support, EHC plans) from the SEN school-level file",
            "sen_school_level_underlying_data.csv",
            "January",
        ),
        (
            ImportKind.workforce,
            "prefill draft audits (teacher and teaching assistant FTE and headcounts) from the workforce file",
            "the school-level 'Size of the school workforce' file",
            "November",
        ),
    ):
        command = kinds.add_parser(
            kind.value,
            help=help_text,
            description=help_text[0].upper() + help_text[1:] + ". Schools must exist already (import GIAS first); "
            "a value a school typed into its draft is never overwritten.",
        )
        command.add_argument("file", metavar="FILE", help=example)
        command.add_argument(
            "--census",
            metavar="LABEL",
            help=f"the census the figures describe, e.g. '{census_help} 2025' "
            "(default: from the file's time_period column, the latest year in it)",
        )
        command.set_defaults(handler=cmd_import, kind=kind.value)
