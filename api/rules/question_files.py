"""Reading a question file strictly: YAML with line numbers, the typed :class:`QuestionFile` (the versions that
ask its questions, the sections, the questions) and the checks that need the whole file (declared sections,
distinct ids, no envelope field), each problem named with file, line and question id in one
:class:`api.errors.StandardsError`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, Strict, StringConstraints, ValidationError

from api.contract.questions import ENVELOPE, QuestionSet
from api.errors import StandardsError, StandardsProblem
from api.rules.loader import PathKey, describe_error, line_of, read_yaml
from api.rules.schema import Status
from api.rules.types import REF


class QuestionFile(QuestionSet):
    """A question file: the versions (``SET@VERSION``) that ask these questions, its status, then the sections and
    questions. Published versions keep their bytes, so their questions live in a file of their own that names them;
    a ``published`` question file is locked like a published standards file, a ``draft`` one may still change."""

    versions: Annotated[tuple[Annotated[str, Strict(), StringConstraints(pattern=REF)], ...], Field(min_length=1)]
    status: Status


@dataclass(frozen=True, slots=True)
class ParsedQuestions:
    """A question file read from disk: where it is, how problems name it, its typed content and its sha256."""

    path: Path
    label: str
    content: QuestionFile
    sha256: str
    versions_line: int | None = None


def _question_id(raw: Any, key: PathKey) -> str | None:
    if len(key) >= 2 and key[0] == "questions" and isinstance(key[1], int):
        try:
            entry = raw["questions"][key[1]]
        except (KeyError, IndexError, TypeError):
            return None
        if isinstance(entry, Mapping) and entry.get("id") is not None:
            return str(entry["id"])
    return None


def _clean(loc: tuple[int | str, ...]) -> PathKey:
    """An error location without pydantic's union tags ('int' and 'float' of a limit, validator names)."""
    return tuple(
        part
        for index, part in enumerate(loc)
        if not (isinstance(part, str) and ("[" in part or (part in ("int", "float") and index > 0)))
    )


def check_question_file(content: QuestionSet, lines: Mapping[PathKey, int], label: str) -> list[StandardsProblem]:
    """The problems of a typed question file that only the whole file shows: a section declared twice, a question
    in an undeclared section, a question id used twice, an envelope field asked as a question."""
    problems: list[StandardsProblem] = []
    declared: set[str] = set()
    for index, section in enumerate(content.sections):
        if section.id in declared:
            line = line_of(lines, ("sections", index, "id"))
            problems.append(StandardsProblem(label, line, None, f"section '{section.id}' is declared twice"))
        declared.add(section.id)
    seen: set[str] = set()
    for index, question in enumerate(content.questions):
        where = line_of(lines, ("questions", index, "id"))
        if question.section not in declared:
            line = line_of(lines, ("questions", index, "section"))
            problems.append(StandardsProblem(label, line, question.id, f"section '{question.section}' is not declared"))
        if question.id in seen:
            problems.append(StandardsProblem(label, where, question.id, "duplicate question id"))
        if question.id in ENVELOPE:
            problems.append(StandardsProblem(label, where, question.id, "belongs to every audit, not to the questions"))
        seen.add(question.id)
    return problems


def parse_question_file(path: Path, *, root: Path | None = None) -> ParsedQuestions:
    """Read and check one question file. Raises StandardsError listing every problem with file, line and id."""
    label = str(path.relative_to(root)) if root is not None and path.is_relative_to(root) else str(path)
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise StandardsError([StandardsProblem(label, None, None, f"cannot be read as UTF-8 text: {error}")]) from None
    raw, lines = read_yaml(text, label)
    if not isinstance(raw, Mapping):
        raise StandardsError([StandardsProblem(label, 1, None, "must be a mapping with sections and questions")])
    try:
        content = QuestionFile.model_validate(raw)
    except ValidationError as error:
        located: dict[PathKey, StandardsProblem] = {}
        for item in error.errors(include_url=False):
            key = _clean(item["loc"])
            # Within a question, the message names the key below it; the problem already names the question.
            inner = key[2:] if len(key) >= 2 and key[0] == "questions" else key
            message = describe_error({**item, "loc": inner})
            located[key] = StandardsProblem(label, line_of(lines, key), _question_id(raw, key), message)
        raise StandardsError(list(located.values())) from None
    problems = check_question_file(content, lines, label)
    if problems:
        raise StandardsError(problems)
    return ParsedQuestions(path, label, content, hashlib.sha256(data).hexdigest(), line_of(lines, ("versions",)))
