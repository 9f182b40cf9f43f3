"""Reading audits from files: JSON, YAML, CSV and NDJSON, one decoded audit at a time.

Readers yield :class:`RawAudit` items (where the audit came from, and either its decoded data or the
reason it could not be decoded), streaming where the format allows (NDJSON and CSV), so a large file is
read in constant memory. Validation is the caller's job (:func:`api.contract.validation.validate_audit`).

CSV columns are dotted audit paths (``senco.protected_fte``); a statement question takes two columns,
``<id>.rating`` and ``<id>.evidence`` (``classroom.visual_timetables.rating``). An empty cell means not answered;
the word ``null`` means "there is none" (for the date questions that allow it). Cells are text, so each is
converted by the kind of its question: the caller says which questions a row is read by (one
:class:`~api.contract.questions.QuestionSet`, or a function of the row's ``audit_date`` cell, so a row is read by
the questions of the version it will be validated by). A column that is not a question of those questions is
passed on as text, for validation to name (``senco.protected_ftee: is not a field of the self-audit``); a bare
statement column (without ``.rating`` or ``.evidence``) makes the row unreadable, with a message naming it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeAlias

import yaml

from api.contract.fields import FieldSpec, put_answer
from api.contract.kinds import FieldKind
from api.contract.questions import ENVELOPE, Question, QuestionSet, field_specs
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
STATEMENT_PARTS = ("rating", "evidence")
"""The two CSV columns of a statement question, after its id: ``<id>.rating`` and ``<id>.evidence``."""

QuestionsFor: TypeAlias = Callable[[str | None], QuestionSet]
"""Which questions a CSV row is read by, given the text of its ``audit_date`` cell (None when it has none)."""


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


def convert_cell(spec: FieldSpec | None, cell: str) -> Any:
    """A CSV cell (or a form's text) as the audit contract expects an answer of ``spec``: yes/no words as true or
    false, whole numbers and numbers as numbers, ``null`` as None, anything else (dates, choices, text, a
    statement's rating and evidence, a column no question asks: ``spec`` None) as the text. Text that does not read
    as its kind is passed on for validation to name; raises nothing."""
    text = cell.strip()
    if text.lower() == "null":
        return None
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


def in_form_order(questions: QuestionSet) -> list[Question]:
    """The questions section by section, in the order of the sections, each section's in the order of the file."""
    order = {section.id: index for index, section in enumerate(questions.sections)}
    return sorted(questions.questions, key=lambda question: order.get(question.section, len(order)))


def csv_columns(questions: QuestionSet) -> list[str]:
    """The columns of a CSV file of audits answering ``questions`` (a CSV template's header): ``audit_date`` and
    ``school.urn``, then each question's id in the order of the form (:func:`in_form_order`), a statement
    question's as its two columns ``<id>.rating`` and ``<id>.evidence``."""
    columns = list(ENVELOPE)
    for question in in_form_order(questions):
        if question.kind == "statement":
            columns += [f"{question.id}.{part}" for part in STATEMENT_PARTS]
        else:
            columns.append(question.id)
    return columns


class RowUnreadable(ValueError):
    """A CSV row that cannot be made into an audit; its text says why, naming the column."""


def _statement_part(column: str, fields: Mapping[str, FieldSpec]) -> tuple[str, str] | None:
    """``(question id, part)`` when ``column`` is ``<id>.rating`` or ``<id>.evidence`` of a statement question."""
    path, _, part = column.rpartition(".")
    spec = fields.get(path)
    if part in STATEMENT_PARTS and spec is not None and spec.kind is FieldKind.statement:
        return path, part
    return None


def row_to_audit(row: Mapping[str | None, str | None], fields: Mapping[str, FieldSpec]) -> dict[str, Any]:
    """A CSV row keyed by dotted paths as a nested audit, each cell converted by the kind of its field in ``fields``
    (:func:`api.contract.questions.field_specs` of the questions it is read by); empty cells are left out (not
    answered); a statement's ``.rating`` and ``.evidence`` cells make its answer object. A column that names no
    field is kept as text at its path, for validation to name. Raises RowUnreadable for a cell in the column of a
    statement question itself (its answer takes the two columns), or in a section that a column gives whole."""
    audit: dict[str, Any] = {}
    for column, cell in row.items():
        if column is None or cell is None or cell.strip() == "":
            continue
        spec = fields.get(column)
        if spec is not None and spec.kind is FieldKind.statement:
            raise RowUnreadable(
                f"column '{column}' is a statement question: give its answer in the columns "
                f"'{column}.rating' and '{column}.evidence'"
            )
        section = column.split(".", 1)[0]
        if "." in column and not isinstance(audit.setdefault(section, {}), dict):
            raise RowUnreadable(f"column '{column}' is in section '{section}', which a column of its own gives")
        statement = _statement_part(column, fields)
        if statement is None:
            put_answer(audit, column, convert_cell(spec, cell))
        else:
            path, part = statement
            audit[section].setdefault(path.split(".", 1)[1], {})[part] = convert_cell(None, cell)
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


def read_csv(stream: IO[str], source: str, questions: QuestionSet | QuestionsFor) -> Iterator[RawAudit]:
    """One audit per row; the header names dotted audit paths. Each row's cells are converted by ``questions``
    (the same for every row, or chosen by the row's ``audit_date`` cell); a row that cannot be read (more cells
    than columns, a bare statement column) is a RawAudit with ``error``."""
    reader = csv.DictReader(stream)
    if reader.fieldnames is None:
        return
    specs: dict[int, tuple[QuestionSet, dict[str, FieldSpec]]] = {}  # by identity: one field list per question set
    for row in reader:
        if None in row:
            yield RawAudit(source, reader.line_num, error="the row has more cells than the header has columns")
            continue
        asked = questions if isinstance(questions, QuestionSet) else questions(row.get("audit_date") or None)
        entry = specs.get(id(asked))
        if entry is None or entry[0] is not asked:
            entry = specs[id(asked)] = (asked, field_specs(asked))
        try:
            yield RawAudit(source, reader.line_num, row_to_audit(row, entry[1]))
        except RowUnreadable as error:
            yield RawAudit(source, reader.line_num, error=str(error))


def _items(data: Any, source: str) -> Iterator[RawAudit]:
    if isinstance(data, list):
        for index, item in enumerate(data, start=1):
            yield RawAudit(source, index, item)
    else:
        yield RawAudit(source, 1, data)


def read_audits(
    path: Path, stream: IO[str] | None = None, *, questions: QuestionSet | QuestionsFor
) -> Iterator[RawAudit]:
    """Every audit in a file (``-`` with a stream for standard input, read as NDJSON), one RawAudit at a time; the
    cells of a CSV file are converted by ``questions`` (see :func:`read_csv`).

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
            yield from read_csv(handle, source, questions)
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
