"""Typed models of a standards file: what the YAML under ``standards/`` may say, and nothing more.

Every model is frozen and refuses unknown keys, so a typo in a rule file is an error, never a silent
default. The check is one of a small closed set of kinds (see ``standards/README.md``); every threshold,
date and limit lives in the YAML, none in code.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, Strict, StringConstraints, model_validator

from api.contract.kinds import PHASES, Phase
from api.contract.questions import Completeness, Constraint, Question
from api.contract.questions import Section as QuestionSection
from api.rules.check_kinds import Check
from api.rules.types import PLACEHOLDER, REF, SET_NAME, VERSION, FieldPath, FrozenModel, Limit, RuleId, Text


class Basis(enum.StrEnum):
    """How binding a rule is, from law down to a product placeholder. Order is urgency order."""

    statutory = "statutory"
    statutory_guidance = "statutory_guidance"
    condition_of_grant = "condition_of_grant"
    guidance = "guidance"
    proposal = "proposal"
    provisional = "provisional"

    @property
    def rank(self) -> int:
        """0 for law, rising as the basis gets softer."""
        return list(Basis).index(self)


class Status(enum.StrEnum):
    """A standards file is a draft until published; published files never change."""

    draft = "draft"
    published = "published"


class SourceDocument(FrozenModel):
    """A document rules cite: the Code of Practice, a regulation, a committee report …"""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]
    title: Text
    publisher: Text
    published_on: dt.date | None = None
    url: Text | None = None


class Citation(FrozenModel):
    """Where in a source document a rule comes from: the paragraph, regulation or recommendation."""

    source: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]
    ref: Text = Field(description="Paragraph, regulation or recommendation, e.g. 'paragraph 6.85'.")
    verify: bool = Field(False, description="True where the paragraph number is not yet confirmed.")


class Domain(FrozenModel):
    """A group of rules shown together in reports (SENCO, teaching assistants …)."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z]+$")]
    title: Text
    description: Text


class Band(FrozenModel):
    """A named score band; a report gets the highest band whose ``min_score`` it reaches."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z_]+$")]
    label: Text
    min_score: Annotated[float, Field(ge=0, le=100)]
    description: Text


class Message(FrozenModel):
    """The three-part message: what is missing, why it matters, how to close it; plain English."""

    missing: Text
    why: Text
    how: Text


class Condition(FrozenModel):
    """When the rule applies: ``field`` equals ``equals`` (a yes/no or a choice), or ``field`` (or the ``sum`` of
    several number fields, e.g. pupils on SEN support plus pupils with an EHC plan) lies within ``at_least`` and/or
    ``at_most`` (a size band, both ends included). Otherwise the rule is not applicable."""

    field: FieldPath | None = None
    sum: tuple[FieldPath, ...] = ()
    equals: bool | str | None = None
    at_least: Limit | None = None
    at_most: Limit | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        if (self.field is None) == (not self.sum):
            raise ValueError("a condition reads one field, or the sum of several (sum: [...]), not both")
        if self.sum and len(self.sum) < 2:
            raise ValueError("a sum needs at least two fields; name one field with field:")
        banded = self.at_least is not None or self.at_most is not None
        if self.sum and not banded:
            raise ValueError("a sum can only be banded (at_least, at_most)")
        if self.equals is not None and banded:
            raise ValueError("a condition either compares (equals) or bands a number (at_least, at_most), not both")
        if self.equals is None and not banded:
            raise ValueError("a condition needs equals, or at_least and/or at_most")
        if self.at_least is not None and self.at_most is not None and self.at_least > self.at_most:
            raise ValueError(f"at_least ({self.at_least}) is more than at_most ({self.at_most})")
        return self

    @property
    def banded(self) -> bool:
        """Whether the condition is a size band on a number rather than an equality."""
        return self.equals is None

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields the condition reads: its ``field``, or the fields of its ``sum``."""
        return self.sum if self.sum else (self.field or "",)

    def value_in(self, values: Mapping[str, Any]) -> Any:
        """The value the condition tests, from answered flat ``values`` (every field in :attr:`fields` present):
        the field's answer, or the sum of the answers."""
        if self.sum:
            return sum(values[path] for path in self.sum)
        return values[self.field or ""]

    def holds(self, value: Any) -> bool:
        """Whether an answered ``value`` of the field meets the condition."""
        if self.equals is not None:
            return bool(value == self.equals)
        low, high = self.at_least, self.at_most
        return (low is None or value >= low) and (high is None or value <= high)


class Reference(FrozenModel):
    """The reference point of a provisional limit, shown beside the school's own figure in reports: what typical
    practice or a published figure is, in plain English (``text``), and where it comes from (a ``source`` id of the
    file, and the table, page or paragraph in ``ref``)."""

    text: Text
    source: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]
    ref: Text | None = None


class Gap(FrozenModel):
    """How the gap is stated: the field the school controls, its unit, and the words for each shortfall.

    ``text`` may use the placeholders of the check kind, e.g. ``{amount}`` and ``{unit}``.
    """

    field: FieldPath | None = None
    unit: Text | None = None
    decimals: Annotated[int, Field(ge=0, le=4)] = 0
    partially_met: Text
    not_met: Text
    when_none: Text | None = Field(
        None, description="Ratio checks: the words when there is none of the resource at all (denominator 0)."
    )
    no_evidence: Text | None = Field(
        None, description="Statement checks that require evidence: the words when it is in place without evidence."
    )


class Rule(FrozenModel):
    """One national (or local) standard: what is checked, how far a school is from it, and why."""

    id: RuleId
    title: Text
    domain: Annotated[str, StringConstraints(pattern=r"^[a-z]+$")]
    basis: Basis
    provisional: bool = Field(False, description="True when the limits are product placeholders.")
    weight: Annotated[int, Field(ge=1, le=10)]
    applies_to: tuple[Phase, ...] = PHASES  # type: ignore[assignment]  # PHASES holds exactly the Phase values
    when: tuple[Condition, ...] = ()
    check: Check
    gap: Gap
    message: Message
    sources: Annotated[tuple[Citation, ...], Field(min_length=1)]
    reference: Reference | None = Field(
        None, description="Provisional limits: the reference point they were set against, shown in reports."
    )
    review_by: dt.date
    overlay_note: Text | None = Field(None, description="Set by an overlay that changed this rule.")

    @property
    def is_provisional(self) -> bool:
        """Whether its numbers are placeholders to be shown as provisional."""
        return self.provisional or self.basis in (Basis.provisional, Basis.proposal)


class RuleChange(FrozenModel):
    """An overlay's change to an inherited rule: the reason and the fields to replace (merged deeply)."""

    rule: RuleId
    reason: Text
    set: dict[str, Any]


class RuleOff(FrozenModel):
    """An overlay switches an inherited rule off, and records why."""

    rule: RuleId
    reason: Text


class StandardsFile(FrozenModel):
    """One file ``standards/<set>/<version>.yaml``: a full set, or an overlay that ``extends`` another."""

    set: Annotated[str, Strict(), StringConstraints(pattern=SET_NAME)]
    version: Annotated[str, Strict(), StringConstraints(pattern=VERSION)]
    title: Text
    status: Status
    effective_from: dt.date
    supersedes: Annotated[str, StringConstraints(pattern=REF)] | None = None
    extends: Annotated[str, StringConstraints(pattern=REF)] | None = None
    summary: Text
    sources: tuple[SourceDocument, ...] = ()
    domains: tuple[Domain, ...] = ()
    bands: tuple[Band, ...] = ()
    rules: tuple[Rule, ...] = ()
    change: tuple[RuleChange, ...] = ()
    switch_off: tuple[RuleOff, ...] = ()
    sections: tuple[QuestionSection, ...] = ()
    questions: tuple[Question, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    completeness: Completeness | None = None

    @model_validator(mode="after")
    def _shape(self) -> StandardsFile:
        if self.extends is None:
            if self.change or self.switch_off:
                raise ValueError("'change' and 'switch_off' are only for overlays that 'extends' another set")
            if not self.domains or not self.bands or not self.rules:
                raise ValueError("a set that extends nothing needs domains, bands and rules")
        return self


def placeholders_in(text: str) -> set[str]:
    """The ``{name}`` placeholders a gap text uses."""
    return set(PLACEHOLDER.findall(text))
