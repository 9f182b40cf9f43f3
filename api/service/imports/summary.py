"""What an import is and what it did: the kinds of public file, a rejected row, and the summary of one import."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


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


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that was not imported: the line it starts on (the header is line 1) and why."""

    line: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"line": int, "message": str}``."""
        return {"line": self.line, "message": self.message}


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What one import did (or has done so far). Counts are of data rows: schools for GIAS, drafts for the census
    files; ``problems`` holds the first rejected rows."""

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
    problems: tuple[RowProblem, ...] = ()

    def progress(self) -> dict[str, Any]:
        """What an import job records as it goes: the row counts and the first rejected rows (JSON-ready)."""
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "problems": [problem.as_dict() for problem in self.problems],
        }


ProgressHook = Callable[[ImportSummary, int, int], None]
"""Called after each batch is written (and at the end) with the summary so far, bytes read and the file size."""
ProblemHook = Callable[[RowProblem], None]
"""Called for every rejected row, as it is found."""


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
