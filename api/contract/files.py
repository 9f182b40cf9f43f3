"""Reading audits from files: JSON, YAML, CSV and NDJSON, one decoded audit at a time.

Readers yield :class:`RawAudit` items (where the audit came from, and either its decoded data or the
reason it could not be decoded), streaming where the format allows (NDJSON and CSV), so a large file is
read in constant memory. Validation is the caller's job (:func:`api.contract.validation.validate_audit`).

CSV columns are dotted audit paths (``senco.protected_fte``). An empty cell means not answered; the word
``null`` means "there is none" (for the date fields that allow it).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import yaml

from api.contract.fields import FIELDS, put_answer
from api.contract.kinds import FieldKind
from api.errors import InputFileError

FORMATS = ("json", "yaml", "csv", "ndjson")
_SUFFIXES = {
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".csv": "csv",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
}


@dataclass(frozen=True, slots=True)
class RawAudit:
    """One audit as read: its position (line or item number), and the data or why it could not be read."""

    source: str
    position: int
    data: Any = None
    error: str | None = None


def format_of(path: Path) -> str:
    """The format a file's name says it holds; raises InputFileError for an unknown suffix."""
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        known = ", ".join(sorted(_SUFFIXES))
        raise InputFileError(f"{path}: cannot tell the format from '{path.suffix}'; use one of {known}")
    return found


def _jsonable(value: Any) -> Any:
    """YAML gives dates as date objects; the audit contract takes ISO text, so both read the same."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    return value


def convert_cell(path: str, cell: str) -> Any:
    """A CSV cell as the audit contract expects it; unreadable text is passed on for validation to name."""
    text = cell.strip()
    if text.lower() == "null":
        return None
    spec = FIELDS.get(path)
    if spec is None:
        return text
    if spec.kind is FieldKind.flag:
        lowered = text.lower()
        if lowered in ("true", "yes", "y", "1"):
            return True
        if lowered in ("false", "no", "n", "0"):
            return False
        return text
    if spec.kind is FieldKind.whole_number:
        try:
            return int(text)
        except ValueError:
            return text
    if spec.kind is FieldKind.number:
        try:
            return float(text)
        except ValueError:
            return text
    return text


def row_to_audit(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row keyed by dotted paths as a nested audit; empty cells are left out (not answered)."""
    audit: dict[str, Any] = {}
    for column, cell in row.items():
        if column is None or cell is None or cell.strip() == "":
            continue
        put_answer(audit, column, convert_cell(column, cell))
    return audit


def read_ndjson(stream: IO[str], source: str) -> Iterator[RawAudit]:
    """One audit per line; blank lines are skipped; a line that is not a JSON object is reported in place."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            yield RawAudit(source, number, error=f"not valid JSON: {error.msg} at column {error.colno}")
            continue
        yield RawAudit(source, number, data)


def read_csv(stream: IO[str], source: str) -> Iterator[RawAudit]:
    """One audit per row; the header names dotted audit paths."""
    reader = csv.DictReader(stream)
    if reader.fieldnames is None:
        return
    for row in reader:
        if None in row:
            yield RawAudit(source, reader.line_num, error="the row has more cells than the header has columns")
            continue
        yield RawAudit(source, reader.line_num, row_to_audit(row))


def _items(data: Any, source: str) -> Iterator[RawAudit]:
    if isinstance(data, list):
        for index, item in enumerate(data, start=1):
            yield RawAudit(source, index, item)
    else:
        yield RawAudit(source, 1, data)


def read_audits(path: Path, stream: IO[str] | None = None) -> Iterator[RawAudit]:
    """Every audit in a file (``-`` with a stream for standard input, read as NDJSON), one RawAudit at a time.

    Raises InputFileError when the file cannot be read at all (unknown suffix, missing, not UTF-8, a JSON or
    YAML document that does not parse); a bad NDJSON line or CSV row is a RawAudit with ``error`` instead.
    """
    source = str(path)
    if stream is None:
        kind = format_of(path)
        try:
            handle: IO[str] = path.open(encoding="utf-8-sig", newline="")
        except OSError as error:
            raise InputFileError(f"{path}: cannot be read ({error.strerror})") from error
    else:
        kind, handle = "ndjson", stream
    try:
        if kind == "ndjson":
            yield from read_ndjson(handle, source)
        elif kind == "csv":
            yield from read_csv(handle, source)
        else:
            yield from read_document(handle.read(), kind, source)
    except UnicodeDecodeError as error:
        raise InputFileError(f"{path}: is not UTF-8 text ({error.reason} at byte {error.start})") from error
    finally:
        if stream is None:
            handle.close()


def read_document(text: str, kind: str, source: str) -> Iterator[RawAudit]:
    """The audits of a JSON or YAML document holding one audit or a list of audits; raises InputFileError when
    the document does not parse."""
    if kind == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputFileError(f"{source}: not valid JSON: {error.msg} at line {error.lineno}") from error
        yield from _items(data, source)
        return
    try:
        documents = [doc for doc in yaml.safe_load_all(io.StringIO(text)) if doc is not None]
    except yaml.YAMLError as error:
        raise InputFileError(f"{source}: not valid YAML: {error}") from error
    data = documents[0] if len(documents) == 1 else documents
    yield from _items(_jsonable(data), source)
