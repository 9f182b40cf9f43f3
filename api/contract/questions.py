"""The questions a standards version asks, as typed data: sections in the order of the form, and one question per
audit field, with its kind, plain-English label, hint, unit, limits and choices.

The models belong to the audit contract (what a question is and which answers it takes); reading them from a
question file (``standards/<set>/questions/<version>.yaml``) belongs to :mod:`api.rules.question_files`. Unknown
keys, a number without both limits, a key that does not belong to the question's kind and an id that does not
start with its section are refused here; undeclared sections and duplicate ids by the file reader. The audit's
envelope (``audit_date`` and ``school.urn``) belongs to every audit and is not a question.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints, model_validator

from api.contract.fields import FieldSpec
from api.contract.kinds import FieldKind

Text = Annotated[str, Strict(), StringConstraints(min_length=1, strip_whitespace=True)]
QUESTION_ID = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"
SECTION_ID = r"^[a-z][a-z0-9_]*$"
ENVELOPE = ("audit_date", "school.urn")
"""The fields every audit has whatever its standards: the date it describes and the school's URN."""

QuestionKind = Literal["flag", "whole_number", "number", "percent", "date", "choice", "statement", "text"]
QuestionId = Annotated[str, Strict(), StringConstraints(pattern=QUESTION_ID)]
SectionId = Annotated[str, Strict(), StringConstraints(pattern=SECTION_ID)]
Bound = Annotated[int, Strict()] | Annotated[float, Strict(), Field(allow_inf_nan=False)]

_NUMERIC = ("whole_number", "number")


class FrozenModel(BaseModel):
    """Base of the question models: frozen, and unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# The keys each kind may carry besides id, section, kind, label and hint.
_KIND_KEYS: dict[str, frozenset[str]] = {
    "flag": frozenset(),
    "whole_number": frozenset({"unit", "min", "max"}),
    "number": frozenset({"unit", "min", "max"}),
    "percent": frozenset({"min", "max"}),
    "date": frozenset({"none_label"}),
    "choice": frozenset({"choices"}),
    "statement": frozenset({"allow_not_applicable"}),
    "text": frozenset({"max_length"}),
}


class Section(FrozenModel):
    """A group of questions: one page of the form, in the order the file lists them."""

    id: SectionId
    title: Text
    description: Text | None = None


class Choice(FrozenModel):
    """One answer of a choice question: the stable id stored in the audit, and its label."""

    id: Annotated[str, Strict(), StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    label: Text


class Question(FrozenModel):
    """One question: ``id`` is ``section.name`` (stable, never reused), ``label`` the question in plain English.

    Kinds: ``flag`` (yes or no), ``whole_number`` and ``number`` (both need finite ``min`` and ``max``, and may name
    a ``unit``), ``percent`` (0 to 100 unless narrowed), ``date`` (``none_label`` allows null, meaning "there is
    none"), ``choice`` (``choices``), ``statement`` (a rating with evidence; ``allow_not_applicable``) and ``text``
    (``max_length`` characters).
    """

    id: QuestionId
    section: SectionId
    kind: QuestionKind
    label: Text
    hint: Text | None = None
    unit: Text | None = None
    min: Bound | None = None
    max: Bound | None = None
    none_label: Text | None = None
    choices: tuple[Choice, ...] = ()
    allow_not_applicable: bool = False
    max_length: Annotated[int, Strict(), Field(ge=1, le=2000)] | None = None

    @model_validator(mode="after")
    def _fits_its_kind(self) -> Question:
        if self.id.split(".", 1)[0] != self.section:
            raise ValueError(f"id '{self.id}' must start with its section '{self.section}.'")
        given = {name for name in self.model_fields_set if name in _ALL_KIND_KEYS}
        stray = sorted(given - _KIND_KEYS[self.kind])
        if stray:
            raise ValueError(f"'{', '.join(stray)}' does not belong to a {self.kind} question")
        if self.kind in _NUMERIC and (self.min is None or self.max is None):
            raise ValueError(f"a {self.kind} question needs both min and max (finite numbers)")
        if self.kind == "whole_number" and any(isinstance(b, float) for b in (self.min, self.max)):
            raise ValueError("a whole_number question's min and max must be whole numbers")
        low, high = self.limits
        if not (math.isfinite(low) and math.isfinite(high)) or low > high:
            raise ValueError(f"min ({low}) must not be more than max ({high})")
        if self.kind == "percent" and (low < 0 or high > 100):
            raise ValueError("a percent question's limits must lie within 0 to 100")
        if self.kind == "choice":
            ids = [choice.id for choice in self.choices]
            if len(ids) < 2:
                raise ValueError("a choice question needs at least two choices")
            if len(set(ids)) != len(ids):
                raise ValueError("a choice question's choice ids must differ")
        return self

    @property
    def limits(self) -> tuple[float, float]:
        """The smallest and largest answer a number or percent question accepts (0 and 100 for a percent by
        default); (0, 0) for other kinds."""
        if self.kind == "percent":
            return (self.min if self.min is not None else 0, self.max if self.max is not None else 100)
        if self.kind in _NUMERIC and self.min is not None and self.max is not None:
            return (self.min, self.max)
        return (0, 0)

    @property
    def nullable(self) -> bool:
        """Whether null is an answer ("there is none"): only for a date question with a ``none_label``."""
        return self.kind == "date" and self.none_label is not None


_ALL_KIND_KEYS = frozenset().union(*_KIND_KEYS.values())


class SumAtMost(FrozenModel):
    """Numbers that may not add up to more than another answer: ``fields`` (one or more number questions) summed
    must not exceed ``limit_field``. The problem is named on the first field. ``message`` may use ``{field.id}``
    placeholders for the answers of the fields it names; without one, the message is built from the labels."""

    kind: Literal["sum_at_most"]
    fields: Annotated[tuple[QuestionId, ...], Field(min_length=1)]
    limit_field: QuestionId
    message: Text | None = None


class NotAfterAuditDate(FrozenModel):
    """Dates that may not be later than the audit date: the date questions in ``fields``, or every date question
    of the version when ``fields`` is left out (an overlay's own dates included)."""

    kind: Literal["not_after_audit_date"]
    fields: tuple[QuestionId, ...] = ()


class NotBefore(FrozenModel):
    """A date that may not be earlier than another: ``field`` is refused when it precedes ``earliest``."""

    kind: Literal["not_before"]
    field: QuestionId
    earliest: QuestionId
    message: Text | None = None


Constraint = Annotated[SumAtMost | NotAfterAuditDate | NotBefore, Field(discriminator="kind")]
"""A cross-field constraint, from a closed set: ``sum_at_most``, ``not_after_audit_date``, ``not_before``."""


class Completeness(FrozenModel):
    """When a report is complete enough to earn a band above the lowest: every statutory rule that applies was
    assessed (``statutory_assessed``), and at least ``coverage_at_least`` (0 to 1) of the rules that apply were
    assessed. An incomplete report keeps its score; its band is the lowest and it says why."""

    statutory_assessed: bool
    coverage_at_least: Annotated[float, Strict(), Field(ge=0, le=1)] | Annotated[int, Strict(), Field(ge=0, le=1)]


class QuestionSet(FrozenModel):
    """The questions of a standards version: the sections, in order, the questions, in order within each
    section, the cross-field ``constraints`` their answers keep, and the ``completeness`` rule of its reports.
    Whether they fit together (declared sections, distinct ids, constraints on questions of the right kind) is
    checked by :func:`api.rules.question_files.check_question_file`, which can say where each problem is."""

    sections: Annotated[tuple[Section, ...], Field(min_length=1)]
    questions: Annotated[tuple[Question, ...], Field(min_length=1)]
    constraints: tuple[Constraint, ...] = ()
    completeness: Completeness | None = None

    def by_id(self) -> dict[str, Question]:
        """Every question by its id (``section.name``), in the order of the file."""
        return {question.id: question for question in self.questions}


_FIELD_KIND = {
    "flag": FieldKind.flag,
    "whole_number": FieldKind.whole_number,
    "number": FieldKind.number,
    "percent": FieldKind.number,
    "date": FieldKind.date,
    "choice": FieldKind.choice,
    "statement": FieldKind.statement,
    "text": FieldKind.text,
}
_ENVELOPE_SPECS = (
    FieldSpec("audit_date", FieldKind.date, False, "The date the figures describe."),
    FieldSpec("school.urn", FieldKind.text, False, "Unique reference number: 6 digits."),
)


def field_specs(questions: QuestionSet) -> dict[str, FieldSpec]:
    """The audit fields a version's questions make, by dotted path, as rules refer to them: the envelope
    (``audit_date``, ``school.urn``) and one per question (a percent is a number; choices by id)."""
    specs = {spec.path: spec for spec in _ENVELOPE_SPECS}
    for question in questions.questions:
        choices = tuple(choice.id for choice in question.choices)
        specs[question.id] = FieldSpec(
            question.id, _FIELD_KIND[question.kind], question.nullable, question.label, choices
        )
    return specs
