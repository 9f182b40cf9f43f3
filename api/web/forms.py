"""The self-audit form of a standards version: its sections and questions, built from the version's
:class:`~api.contract.questions.QuestionSet`, the answers as the form shows them, and a posted form read back.

Every question posts under its dotted audit path (``senco.protected_fte``); a statement posts its rating and its
evidence as ``<path>.rating`` and ``<path>.evidence``, read back as ``{"rating": …, "evidence": …}``; a date's
"there is none" box posts ``<path>__none``. The audit date leads the form; the school's URN comes from the address.
Reading a post turns each text into a typed answer by its question's kind alone (:func:`typed_answer`), and passes
unreadable text on for validation to name beside its field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from api.contract.question_model import EVIDENCE_MAX
from api.contract.questions import Question, QuestionSet
from api.errors import FieldProblem

AUDIT_DATE = "audit_date"
NONE_SUFFIX = "__none"
NOT_ANSWERED = "Not answered"
RATING_WORDS = {
    "in_place": "In place",
    "partly_in_place": "Partly in place",
    "not_in_place": "Not in place",
    "not_applicable": "Not applicable",
}
EVIDENCE_LABEL = "Evidence: where it sits"
EVIDENCE_HINT = (
    f"Where the evidence is kept, such as a learning walk or a policy. Aggregate only: never name a pupil. "
    f"At most {EVIDENCE_MAX} characters."
)
FLAG_WORDS = {True: "yes", False: "no"}
_WHOLE = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


@dataclass(frozen=True, slots=True)
class Option:
    """One radio of a question: the value it posts, its words, and its HTML id."""

    value: str
    label: str
    id: str


@dataclass(frozen=True, slots=True)
class Slot:
    """One thing a question posts: its form field name, the HTML id of its input (or group of radios), the words of
    its label (or legend) and hint, its radios (if any), and what the error summary calls it."""

    name: str
    id: str
    label: str
    summary: str
    hint: str = ""
    options: tuple[Option, ...] = ()

    @property
    def anchor(self) -> str:
        """The id an error summary link points to: the input itself, or the first radio of a group."""
        return self.options[0].id if self.options else self.id


@dataclass(frozen=True, slots=True)
class FormQuestion:
    """One question as the form asks it: ``kind`` is the question's kind (the audit date is a ``date``), ``slots``
    what it posts (a statement: its rating, then its evidence; any other kind: one; the first slot's hint is the
    question's hint with what its kind takes, a number's limits among it), ``unit`` what its number counts (``%``
    for a percent), ``none_label`` the words of a date's "there is none" box (a date without one must be answered
    with a date), ``max_length`` the most characters its text (or a statement's evidence) may have."""

    name: str
    kind: str
    label: str
    slots: tuple[Slot, ...]
    unit: str | None = None
    none_label: str | None = None
    max_length: int | None = None

    @property
    def id(self) -> str:
        """The HTML id of its first input or group of radios (hint, source and error ids start with it)."""
        return self.slots[0].id


@dataclass(frozen=True, slots=True)
class FormSection:
    """One section of the form: a fieldset with its title as legend, its description, and its questions."""

    id: str
    title: str
    description: str | None
    questions: tuple[FormQuestion, ...]


def html_id(path: str) -> str:
    """The HTML id of a field path: ``senco.protected_fte`` → ``f-senco-protected-fte`` (raises nothing)."""
    return "f-" + re.sub(r"[._]", "-", path)


def _number(value: float) -> str:
    """A limit as people write it: 0.5, 50, 1,000 (commas above 999)."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _kind_hint(question: Question) -> str:
    low, high = question.limits
    unit = f" ({question.unit})" if question.unit else ""
    match question.kind:
        case "whole_number":
            return f"A whole number from {_number(low)} to {_number(high)}{unit}."
        case "number":
            return f"A number from {_number(low)} to {_number(high)}{unit}; decimals are fine."
        case "percent":
            return f"A percentage from {_number(low)} to {_number(high)}; decimals are fine."
        case "date":
            return "For example, 2026-09-30."
        case _:
            return ""


def _radios(path: str, choices: Iterable[tuple[str, str]]) -> tuple[Option, ...]:
    """The radios of a question or a statement's rating: its choices, then "Not answered" (which posts "")."""
    base = html_id(path)
    options = [Option(value, label, f"{base}-{value.replace('_', '-')}") for value, label in choices]
    return (*options, Option("", NOT_ANSWERED, f"{base}-blank"))


def _slot(path: str, label: str, hint: str, choices: Iterable[tuple[str, str]] | None = None) -> Slot:
    """The one slot of a question that posts one field: an input, or radios of ``choices``."""
    options = _radios(path, choices) if choices is not None else ()
    return Slot(path, html_id(path), label, label, hint, options)


def form_question(question: Question) -> FormQuestion:
    """The form's question for one question of a version (see :class:`FormQuestion`); raises nothing."""
    path, label = question.id, question.label
    hint = " ".join(part for part in (question.hint or "", _kind_hint(question)) if part)
    match question.kind:
        case "flag":
            slots: tuple[Slot, ...] = (_slot(path, label, hint, (("yes", "Yes"), ("no", "No"))),)
        case "choice":
            slots = (_slot(path, label, hint, ((choice.id, choice.label) for choice in question.choices)),)
        case "statement":
            ratings = [r for r in RATING_WORDS if question.allow_not_applicable or r != "not_applicable"]
            slots = (
                _slot(f"{path}.rating", label, hint, ((r, RATING_WORDS[r]) for r in ratings)),
                Slot(
                    f"{path}.evidence",
                    html_id(f"{path}.evidence"),
                    EVIDENCE_LABEL,
                    f"{label} (evidence)",
                    EVIDENCE_HINT,
                ),
            )
        case _:
            slots = (_slot(path, label, hint),)
    return FormQuestion(
        name=path,
        kind=question.kind,
        label=label,
        slots=slots,
        unit="%" if question.kind == "percent" else question.unit,
        none_label=question.none_label,
        max_length=EVIDENCE_MAX if question.kind == "statement" else question.max_length,
    )


_DATE_LABEL = "The date the figures describe"
_DATE_QUESTION = FormQuestion(
    name=AUDIT_DATE,
    kind="date",
    label=_DATE_LABEL,
    slots=(_slot(AUDIT_DATE, _DATE_LABEL, "For example, 2026-09-30. It cannot be in the future."),),
)
_BUILT: dict[int, tuple[QuestionSet, tuple[FormSection, ...]]] = {}


def sections(questions: QuestionSet) -> tuple[FormSection, ...]:
    """The form of a version's questions: a first section for the audit date, then the version's sections in
    their order (an overlay's own after its base's), each with its questions in order; a section that asks
    nothing is left out. Built once per question set (kept by identity). Raises nothing."""
    built = _BUILT.get(id(questions))
    if built is not None and built[0] is questions:
        return built[1]
    by_section: dict[str, list[FormQuestion]] = {section.id: [] for section in questions.sections}
    for question in questions.questions:
        by_section.setdefault(question.section, []).append(form_question(question))
    made = [FormSection("audit", "The audit", None, (_DATE_QUESTION,))]
    for section in questions.sections:
        if by_section[section.id]:
            made.append(FormSection(section.id, section.title, section.description, tuple(by_section[section.id])))
    result = tuple(made)
    _BUILT[id(questions)] = (questions, result)
    return result


def questions_of(form: Sequence[FormSection]) -> list[FormQuestion]:
    """Every question of a form, in page order (raises nothing)."""
    return [question for section in form for question in section.questions]


# ---------------------------------------------------------------------------------------------- answers and posts


def _section_value(nested: Mapping[str, Any], path: str) -> tuple[bool, Any]:
    """Whether nested answers hold ``path`` (``section.name`` or ``audit_date``), and its value."""
    if "." not in path:
        return path in nested, nested.get(path)
    section, name = path.split(".", 1)
    inner = nested.get(section)
    if not isinstance(inner, Mapping) or name not in inner:
        return False, None
    return True, inner[name]


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return FLAG_WORDS[value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def form_values(nested: Mapping[str, Any], form: Sequence[FormSection]) -> tuple[dict[str, str], set[str]]:
    """Nested answers as the form shows them: the text of each form field by its name (a flag's ``yes``/``no``, a
    statement's ``<path>.rating`` and ``<path>.evidence``), and the paths answered "there is none" (null). Answers
    to questions the form does not ask are left out. Raises nothing."""
    values: dict[str, str] = {}
    nones: set[str] = set()
    for question in questions_of(form):
        found, value = _section_value(nested, question.name)
        if not found:
            continue
        if value is None:
            nones.add(question.name)
        elif question.kind == "statement":
            if isinstance(value, Mapping):
                for part in ("rating", "evidence"):
                    if value.get(part) is not None:
                        values[f"{question.name}.{part}"] = _shown(value[part])
        else:
            values[question.name] = _shown(value)
    return values, nones


def typed_answer(kind: str, text: str) -> Any:
    """A form field's text (stripped, not blank) as the answer a question of ``kind`` takes: ``yes``/``no`` (or
    ``true``/``false``) a flag's True/False, digits a whole number, a decimal a number or percent; any other text
    stays text for validation to name (raises nothing)."""
    if kind == "flag":
        lowered = text.lower()
        return True if lowered in ("yes", "true") else False if lowered in ("no", "false") else text
    if kind == "whole_number" and _WHOLE.fullmatch(text):
        return int(text)
    if kind in ("number", "percent") and _DECIMAL.fullmatch(text):
        return float(text)
    return text


def _text(posted: Mapping[str, Any], name: str) -> str:
    """A posted field's text, stripped, with Windows line breaks as plain ones ("" when absent or a file)."""
    raw = posted.get(name)
    return raw.replace("\r\n", "\n").strip() if isinstance(raw, str) else ""


def read_form(posted: Mapping[str, Any], urn: str, form: Sequence[FormSection]) -> dict[str, Any]:
    """A posted form ({field name: text}) as the nested audit answers, for school ``urn``, to the questions of
    ``form``: a blank field is not answered, a ticked "there is none" box is null, a statement with a
    rating or evidence is ``{"rating": …, "evidence": …}`` (each only when given). Raises nothing."""
    answers: dict[str, Any] = {"school": {"urn": urn}}
    for question in questions_of(form):
        value: Any
        if question.kind == "statement":
            parts = {part: _text(posted, f"{question.name}.{part}") for part in ("rating", "evidence")}
            value = {part: text for part, text in parts.items() if text} or None
            if value is None:
                continue
        elif question.none_label is not None and posted.get(question.name + NONE_SUFFIX):
            value = None
        else:
            text = _text(posted, question.name)
            if not text:
                continue
            value = typed_answer(question.kind, text)
        if "." in question.name:
            section, name = question.name.split(".", 1)
            answers.setdefault(section, {})[name] = value
        else:
            answers[question.name] = value
    return answers


# ---------------------------------------------------------------------------------------------- problems


@dataclass(frozen=True, slots=True)
class ErrorLink:
    """One entry of an error summary: the id of the field it links to, and the message."""

    href: str
    text: str


def place_problems(
    problems: Sequence[FieldProblem], form: Sequence[FormSection]
) -> tuple[dict[str, str], list[ErrorLink]]:
    """Each problem beside its field, and the error summary: ``({form field name: message}, links)``, the links
    in the order of the fields on the page (problems of no field of the form first, linking to the page's main
    content). A problem of a statement as a whole shows beside its rating. Raises nothing."""
    slots = {slot.name: slot for question in questions_of(form) for slot in question.slots}
    position = {name: index for index, name in enumerate(slots)}
    placed: list[tuple[int, Slot | None, FieldProblem]] = []
    for problem in problems:
        slot = slots.get(problem.field) or slots.get(problem.field + ".rating")
        placed.append((position[slot.name] if slot else -1, slot, problem))
    field_errors: dict[str, str] = {}
    links: list[ErrorLink] = []
    for _, slot, problem in sorted(placed, key=lambda item: item[0]):
        if slot is None:
            links.append(ErrorLink("main-content", f"{problem.field}: {problem.message}"))
            continue
        field_errors.setdefault(slot.name, problem.message)
        links.append(ErrorLink(slot.anchor, f"{slot.summary}: {problem.message}"))
    return field_errors, links
