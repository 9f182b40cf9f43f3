"""The ``oap import`` commands: ``oap import gias|sen|workforce FILE``.

Rejected rows are listed on standard error as ``FILE: line N: reason`` while the import goes on; the summary
goes to standard output. Exit status: 0 when every row was imported (created, updated, unchanged or skipped),
1 when some rows were rejected (every other row was imported) or the file cannot be used at all (nothing was
written), 2 for a usage error such as a database that needs ``oap db upgrade``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from api.cli.common import CLI_ADMIN, Commands, database
from api.cli.progress import ProgressBar
from api.errors import InputFileError
from api.service.imports.files import import_file
from api.service.imports.plan import ImportSource
from api.service.imports.summary import ImportKind, ImportSummary, RowProblem, describe


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
    """Import one public data file; returns 1 when some rows were rejected (each listed on standard error), else 0.

    Raises InputFileError when the file is missing or cannot be used at all (nothing written), UsageError when
    the database needs ``oap db upgrade``.
    """
    kind = ImportKind(args.kind)
    path = Path(args.file)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    progress = ProgressBar("rows")

    def report(problem: RowProblem) -> None:
        progress.note(f"{path.name}: line {problem.line}: {problem.message}")

    def advance(summary: ImportSummary, done: int, total: int) -> None:
        progress.update(summary.rows, done, total)

    with database(migrated=True) as engine:
        summary = import_file(
            engine=engine,
            principal=CLI_ADMIN,
            source=ImportSource(kind, path, census_label=getattr(args, "census", None)),
            on_progress=advance,
            on_problem=report,
        )
    progress.update(summary.rows, 1, 1, final=True)
    print_summary(summary, sys.stdout)
    sys.stdout.flush()
    if summary.rejected:
        rows = "row was" if summary.rejected == 1 else "rows were"
        sys.stderr.write(f"oap: {summary.rejected:,} {rows} rejected (listed above); the other rows were imported\n")
        return 1
    return 0


def add_commands(commands: Commands) -> None:
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
