"""The audit model a version's questions make: a strict pydantic model built from a
:class:`~api.contract.questions.QuestionSet`, section by section (``audit_date``, then each section an object of
its answers), so validation follows each version's questions.

For the questions of the published national versions it accepts and refuses exactly what the Python contract of
those versions did (same fields, kinds, choices, "there is none" dates and messages; the tests record its
decisions), except answers above the questions' finite maxima. A statement's answer is
``{"rating": …, "evidence": …}``; ``not_applicable`` only where the question allows it; evidence at most 500
characters of plain text.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints, create_model

from api.contract.kinds import Date, Flag
from api.contract.model import TEXT_PATTERN, SchoolEnvelope, Section
from api.contract.questions import Question, QuestionSet

EVIDENCE_MAX = 500
RATINGS = ("in_place", "partly_in_place", "not_in_place")
ALL_RATINGS = (*RATINGS, "not_applicable")


class _Statement(BaseModel):
    """A statement rated by the school, and where its evidence sits (aggregate: never a pupil's name)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    rating: Literal["in_place", "partly_in_place", "not_in_place"]
    evidence: Annotated[str, StringConstraints(pattern=TEXT_PATTERN, max_length=EVIDENCE_MAX)] | None = None


class _StatementOrNotApplicable(_Statement):
    """A statement that the question allows to be not applicable."""

    rating: Literal["in_place", "partly_in_place", "not_in_place", "not_applicable"]  # type: ignore[assignment]


def _answer_type(question: Question) -> Any:
    """The pydantic type of one question's answer (without the None of "not answered")."""
    low, high = question.limits
    match question.kind:
        case "flag":
            return Flag
        case "whole_number":
            return Annotated[int, Strict(), Field(ge=low, le=high)]
        case "number" | "percent":
            return Annotated[float, Strict(), Field(ge=low, le=high, allow_inf_nan=False)]
        case "date":
            return Date
        case "choice":
            return Literal[tuple(choice.id for choice in question.choices)]
        case "statement":
            return _StatementOrNotApplicable if question.allow_not_applicable else _Statement
        case _:  # text
            return Annotated[str, StringConstraints(pattern=TEXT_PATTERN, max_length=question.max_length or 200)]


def _description(question: Question) -> str:
    """What a field's schema says of it: the question, and what null means where it means "there is none"."""
    if question.none_label is None:
        return question.label
    return f"{question.label} (null: {question.none_label[:1].lower()}{question.none_label[1:]})"


def _section_model(name: str, questions: list[Question], base: type[Section], about: str | None) -> type[Section]:
    fields: dict[str, Any] = {
        question.id.split(".", 1)[1]: (_answer_type(question) | None, Field(None, description=_description(question)))
        for question in questions
    }
    model: type[Section] = create_model(name.title().replace("_", ""), __base__=base, __doc__=about, **fields)
    model.nullable = frozenset(q.id.split(".", 1)[1] for q in questions if q.nullable)
    return model


@functools.lru_cache(maxsize=64)
def audit_model(questions: QuestionSet) -> type[BaseModel]:
    """The audit model of ``questions`` (built once per question set, then kept): ``audit_date`` and ``school``
    (with its URN) required, every section optional and every answer absent unless given."""
    by_section: dict[str, list[Question]] = {section.id: [] for section in questions.sections}
    about = {section.id: section.description or section.title for section in questions.sections}
    for question in questions.questions:
        by_section.setdefault(question.section, []).append(question)
    school = _section_model("school", by_section.pop("school", []), SchoolEnvelope, about.get("school"))
    fields: dict[str, Any] = {
        "audit_date": (Date, Field(description="The date the figures describe; not in the future.")),
        "school": (school, ...),
    }
    for name, asked in by_section.items():
        section = _section_model(name, asked, Section, about.get(name))
        fields[name] = (section, section())
    model: type[BaseModel] = create_model("Audit", __config__=ConfigDict(extra="forbid", frozen=True), **fields)
    return model
