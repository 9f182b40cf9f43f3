"""Reading a question file strictly: YAML with line numbers, the typed :class:`QuestionFile` (the versions that
ask its questions, the sections, the questions) and the checks that need the whole file (declared sections,
distinct ids, no envelope field), each problem named with file, line and question id in one
:class:`api.errors.StandardsError`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, Strict, StringConstraints, ValidationError

from api.contract.constraints import PLACEHOLDER
from api.contract.questions import (
    ENVELOPE,
    Completeness,
    NotAfterAuditDate,
    NotBefore,
    Question,
    QuestionSet,
    SumAtMost,
)
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
    completeness: Completeness


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


_NUMBER_KINDS: tuple[str, ...] = ("whole_number", "number", "percent")
_DATE_KIND: tuple[str, ...] = ("date",)


def _constraint_fields(rule: SumAtMost | NotAfterAuditDate | NotBefore) -> list[tuple[str, str, tuple[str, ...]]]:
    """The fields a constraint reads: (key, field, the question kinds it may be)."""
    if isinstance(rule, SumAtMost):
        return [("fields", path, _NUMBER_KINDS) for path in rule.fields] + [
            ("limit_field", rule.limit_field, _NUMBER_KINDS)
        ]
    if isinstance(rule, NotBefore):
        return [("field", rule.field, _DATE_KIND), ("earliest", rule.earliest, _DATE_KIND)]
    return [("fields", path, _DATE_KIND) for path in rule.fields]


def check_constraints(
    content: QuestionSet, asked: Mapping[str, Question], lines: Mapping[PathKey, int], label: str
) -> list[StandardsProblem]:
    """The problems of a question set's cross-field constraints: a field that is not one of the ``asked``
    questions, or not of a kind the constraint compares, and a message placeholder naming a field the constraint
    does not read."""
    problems: list[StandardsProblem] = []
    for index, rule in enumerate(content.constraints):
        line = line_of(lines, ("constraints", index, "kind"))
        reads = _constraint_fields(rule)
        for key, path, kinds in reads:
            question = asked.get(path)
            if question is None:
                problems.append(StandardsProblem(label, line, path, f"{rule.kind}.{key}: is not a question", "field"))
            elif question.kind not in kinds:
                wrong = f"{rule.kind}.{key}: is a {question.kind} question; this needs {' or '.join(kinds)}"
                problems.append(StandardsProblem(label, line, path, wrong, "field"))
        message = rule.message if isinstance(rule, SumAtMost | NotBefore) else None
        named = {path for _, path, _ in reads}
        for placeholder in PLACEHOLDER.findall(message or ""):
            if placeholder not in named:
                text = f"{rule.kind}.message: {{{placeholder}}} is not a field this constraint reads"
                problems.append(StandardsProblem(label, line, placeholder, text, "field"))
        rest = PLACEHOLDER.sub("", message or "")
        if "{" in rest or "}" in rest:
            text = f"{rule.kind}.message: only {{section.name}} placeholders may use braces"
            problems.append(StandardsProblem(label, line, None, text))
    return problems


def check_question_file(
    content: QuestionSet, lines: Mapping[PathKey, int], label: str, asked: Mapping[str, Question] | None = None
) -> list[StandardsProblem]:
    """The problems of a typed question file that only the whole file shows: a section declared twice, a question
    in an undeclared section, a question id used twice, an envelope field asked as a question, and the problems of
    its constraints (:func:`check_constraints`) over ``asked`` (default: its own questions)."""
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
            problems.append(
                StandardsProblem(label, line, question.id, f"section '{question.section}' is not declared", "question")
            )
        if question.id in seen:
            problems.append(StandardsProblem(label, where, question.id, "duplicate question id", "question"))
        if question.id in ENVELOPE:
            problems.append(
                StandardsProblem(label, where, question.id, "belongs to every audit, not to the questions", "question")
            )
        seen.add(question.id)
    return problems + check_constraints(content, content.by_id() if asked is None else asked, lines, label)


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
            located[key] = StandardsProblem(label, line_of(lines, key), _question_id(raw, key), message, "question")
        raise StandardsError(list(located.values())) from None
    problems = check_question_file(content, lines, label)
    if problems:
        raise StandardsError(problems)
    return ParsedQuestions(path, label, content, hashlib.sha256(data).hexdigest(), line_of(lines, ("versions",)))


NO_QUESTIONS = QuestionSet.model_construct(sections=(), questions=(), constraints=(), completeness=None)
"""The questions of a version whose questions could not be found (its load fails with a problem saying so)."""


@dataclass(frozen=True, slots=True)
class Asked:
    """The questions a version asks, the file that declares them (its label) and that file's sha256: with the
    version's set and version, the identity of the question set an audit answered."""

    questions: QuestionSet
    file: str = ""
    sha256: str = ""


def resolve_questions(
    parsed: ParsedFile, base: Asked | None, from_file: ParsedQuestions | None
) -> tuple[Asked, list[StandardsProblem]]:
    """The questions a standards file asks (with the file that declares them), and the problems: its own
    ``sections`` and ``questions`` (with its ``constraints`` and ``completeness``), or those of the question file
    that names it, or (an overlay) those of the set it extends with its own added in sections of its own (its
    constraints added, its completeness rule, if any, in place of the base's). An overlay may not reuse a section or
    question id of the set it extends; a version may not declare questions both in itself and in a question file;
    a version must ask questions, and one that declares its own needs a completeness rule."""
    label, content = parsed.label, parsed.content
    own = QuestionSet.model_construct(
        sections=content.sections,
        questions=content.questions,
        constraints=content.constraints,
        completeness=content.completeness,
    )
    declared_here = bool(own.questions or own.sections or own.constraints or own.completeness)
    if from_file is not None:
        if declared_here:
            message = f"declares questions both here and in {from_file.label}: keep one"
            problem = StandardsProblem(label, parsed.line_of(("questions",)), None, message)
            return Asked(from_file.content, from_file.label, from_file.sha256), [problem]
        return Asked(from_file.content, from_file.label, from_file.sha256), []
    if base is None:
        if not own.questions:
            message = (
                "asks no questions: declare sections and questions, or name it in a question file (<set>/questions/)"
            )
            return Asked(NO_QUESTIONS), [StandardsProblem(label, 1, None, message)]
        problems = check_question_file(own, parsed.lines, label)
        if own.completeness is None:
            message = (
                "declares questions but no completeness rule (completeness: statutory_assessed, coverage_at_least)"
            )
            problems.append(StandardsProblem(label, parsed.line_of(("questions",)), None, message))
        return Asked(own, label, parsed.sha256), problems
    if not declared_here:
        return base, []
    problems = []
    base_set = base.questions
    base_sections = {section.id for section in base_set.sections}
    base_questions = {question.id for question in base_set.questions}
    for index, section in enumerate(own.sections):
        if section.id in base_sections:
            message = f"section '{section.id}' belongs to the set this extends: declare a section of your own"
            problems.append(StandardsProblem(label, parsed.line_of(("sections", index, "id")), None, message))
    own_sections = {section.id for section in own.sections} - base_sections
    for index, question in enumerate(own.questions):
        if question.id in base_questions:
            line = parsed.line_of(("questions", index, "id"))
            message = "is a question of the set this extends: give a new question an id of its own"
            problems.append(StandardsProblem(label, line, question.id, message, "question"))
        elif question.section not in own_sections:
            line = parsed.line_of(("questions", index, "section"))
            message = f"an overlay's questions go in sections it declares itself, not '{question.section}'"
            problems.append(StandardsProblem(label, line, question.id, message, "question"))
    asked = base_set.by_id() | own.by_id()
    problems += [p for p in check_question_file(own, parsed.lines, label, asked) if "is not declared" not in p.message]
    merged = QuestionSet.model_construct(
        sections=base_set.sections + own.sections,
        questions=base_set.questions + own.questions,
        constraints=base_set.constraints + own.constraints,
        completeness=own.completeness or base_set.completeness,
    )
    return Asked(merged, label, parsed.sha256), problems


def parse_question_files(root: Path) -> tuple[list[ParsedQuestions], list[StandardsProblem]]:
    """Every question file under ``root`` (``<set>/questions/*.yaml``), and the problems of those that fail."""
    parsed: list[ParsedQuestions] = []
    problems: list[StandardsProblem] = []
    for path in sorted(root.glob("*/questions/*.yaml")):
        try:
            parsed.append(parse_question_file(path, root=root))
        except StandardsError as error:
            problems.extend(error.problems)
    return parsed, problems


def questions_by_version(
    question_files: Sequence[ParsedQuestions], known: Iterable[str]
) -> tuple[dict[str, ParsedQuestions], list[StandardsProblem]]:
    """Which question file each version asks, from the files' ``versions``; a version named twice, or one that
    does not exist, is a problem at the line that names it."""
    by_ref: dict[str, ParsedQuestions] = {}
    problems: list[StandardsProblem] = []
    known = set(known)
    for parsed in question_files:
        for ref in parsed.content.versions:
            if ref in by_ref:
                message = f"{ref} already takes its questions from {by_ref[ref].label}"
                problems.append(StandardsProblem(parsed.label, parsed.versions_line, None, message))
            elif ref not in known:
                message = f"names {ref}, which is not a version"
                problems.append(StandardsProblem(parsed.label, parsed.versions_line, None, message))
            by_ref[ref] = parsed
    return by_ref, problems
