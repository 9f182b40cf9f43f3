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
from api.rules.loader import ParsedFile, PathKey, describe_error, line_of, read_mapping
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
    data, raw, lines = read_mapping(path, label, "must be a mapping with sections and questions")
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


NO_QUESTIONS = QuestionSet.model_construct(sections=(), questions=())
"""The questions of a version whose questions could not be found (its load fails with a problem saying so)."""


def resolve_questions(
    parsed: ParsedFile, base: QuestionSet | None, from_file: ParsedQuestions | None, base_file: str = ""
) -> tuple[QuestionSet, str, list[StandardsProblem]]:
    """The questions a standards file asks, where they are declared, and the problems: its own ``sections`` and
    ``questions``, or those of the question file that names it, or (an overlay) those of the set it extends with
    its own added in sections of its own. An overlay may not reuse a section or question id of the set it extends;
    a version may not declare questions both in itself and in a question file; a version must ask questions."""
    label, content = parsed.label, parsed.content
    own = QuestionSet.model_construct(sections=content.sections, questions=content.questions)
    if from_file is not None:
        if own.questions or own.sections:
            message = f"declares questions both here and in {from_file.label}: keep one"
            return (
                from_file.content,
                from_file.label,
                [StandardsProblem(label, parsed.line_of(("questions",)), None, message)],
            )
        return from_file.content, from_file.label, []
    if base is None:
        if not own.questions:
            message = (
                "asks no questions: declare sections and questions, or name it in a question file (<set>/questions/)"
            )
            return NO_QUESTIONS, "", [StandardsProblem(label, 1, None, message)]
        return own, label, check_question_file(own, parsed.lines, label)
    if not own.questions and not own.sections:
        return base, base_file, []
    problems: list[StandardsProblem] = []
    base_sections = {section.id for section in base.sections}
    base_questions = {question.id for question in base.questions}
    for index, section in enumerate(own.sections):
        if section.id in base_sections:
            message = f"section '{section.id}' belongs to the set this extends: declare a section of your own"
            problems.append(StandardsProblem(label, parsed.line_of(("sections", index, "id")), None, message))
    own_sections = {section.id for section in own.sections} - base_sections
    for index, question in enumerate(own.questions):
        if question.id in base_questions:
            line = parsed.line_of(("questions", index, "id"))
            message = "is a question of the set this extends: give a new question an id of its own"
            problems.append(StandardsProblem(label, line, question.id, message))
        elif question.section not in own_sections:
            line = parsed.line_of(("questions", index, "section"))
            message = f"an overlay's questions go in sections it declares itself, not '{question.section}'"
            problems.append(StandardsProblem(label, line, question.id, message))
    problems += [p for p in check_question_file(own, parsed.lines, label) if "is not declared" not in p.message]
    merged = QuestionSet.model_construct(
        sections=base.sections + own.sections, questions=base.questions + own.questions
    )
    return merged, label, problems
