"""Checking a public data file before a row is written: its name, encoding, header and the census it describes.

Everything that can make the whole file unusable is checked here, so a file is refused with nothing written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from api.errors import InputFileError
from api.imports import census, gias
from api.imports.columns import Column, cell, locate
from api.imports.reader import WINDOWS_1252, CsvFile, choose_encoding
from api.service.imports.summary import ImportKind

MAX_CENSUS_LABEL = 40


@dataclass(frozen=True, slots=True)
class ImportSource:
    """A public data file to import: its kind, where it is, the name it was sent with, and the census it describes
    when the caller names it (else it comes from the file's time_period column)."""

    kind: ImportKind
    path: Path
    file_name: str | None = None
    census_label: str | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """A file checked and ready to import: where it is, how to read it, and (census files) which year it holds."""

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


def plan_import(*, kind: ImportKind, path: Path, file_name: str, census_label: str | None) -> Plan:
    """Everything checked before a row is written: encoding, header and, for the census files, which year.

    Returns the plan to import by; raises InputFileError when the file cannot be used at all.
    """
    label = _check_census_option(census_label)
    encoding = choose_encoding(path, windows_by_default=kind is ImportKind.gias)
    columns, what = _columns(kind)
    with CsvFile(path, encoding=encoding, display_name=file_name) as source:
        positions = locate(source.header, columns, file_name=file_name, what=what)
    if kind is ImportKind.gias:
        return Plan(kind, path, file_name, encoding, positions)
    spec = census.FORMATS[kind.value]
    start, period = _latest_period(path, encoding, file_name, positions) if "period" in positions else (None, None)
    if start is not None:
        label = label or spec.census_label(start)
    if label is None:
        raise _census_unknown(kind, file_name)
    return Plan(kind, path, file_name, encoding, positions, label, start, period)


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
