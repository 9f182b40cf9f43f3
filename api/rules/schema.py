"""Typed models of a standards file: what the YAML under ``standards/`` may say, and nothing more.

Every model is frozen and refuses unknown keys, so a typo in a rule file is an error, never a silent
default. The check is one of a small closed set of kinds (see ``standards/README.md``); every threshold,
date and limit lives in the YAML, none in code.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints, model_validator

from api.contract.kinds import PHASES, Phase

RULE_ID = r"^[a-z][a-z0-9]*(\.[a-z0-9]+(-[a-z0-9]+)*)+$"
VERSION = r"^\d{4}\.\d+$"
SET_NAME = r"^[a-z][a-z0-9-]*$"
REF = r"^[a-z][a-z0-9-]*@\d{4}\.\d+$"

Text = Annotated[str, Strict(), StringConstraints(min_length=1, strip_whitespace=True)]
RuleId = Annotated[str, Strict(), StringConstraints(pattern=RULE_ID)]
FieldPath = Annotated[str, Strict(), StringConstraints(pattern=r"^[a-z_]+(\.[a-z0-9_]+)?$")]
Limit = Annotated[int, Strict()] | Annotated[float, Field(allow_inf_nan=False)]  # 80 stays 80, not 80.0
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class SourceDocument(_Model):
    """A document rules cite: the Code of Practice, a regulation, a committee report …"""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]
    title: Text
    publisher: Text
    published_on: dt.date | None = None
    url: Text | None = None


class Citation(_Model):
    """Where in a source document a rule comes from: the paragraph, regulation or recommendation."""

    source: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]
    ref: Text = Field(description="Paragraph, regulation or recommendation, e.g. 'paragraph 6.85'.")
    verify: bool = Field(False, description="True where the paragraph number is not yet confirmed.")


class Domain(_Model):
    """A group of rules shown together in reports (SENCO, teaching assistants …)."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z]+$")]
    title: Text
    description: Text


class Band(_Model):
    """A named score band; a report gets the highest band whose ``min_score`` it reaches."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z_]+$")]
    label: Text
    min_score: Annotated[float, Field(ge=0, le=100)]
    description: Text


class Message(_Model):
    """The three-part message: what is missing, why it matters, how to close it; plain English."""

    missing: Text
    why: Text
    how: Text


class Term(_Model):
    """One field in a sum, multiplied by ``times`` (use -1 for a difference)."""

    field: FieldPath
    times: Limit = 1


class Sum(_Model):
    """A weighted sum of fields, e.g. SEN support + 2 × EHC plans."""

    sum: Annotated[tuple[Term, ...], Field(min_length=1)]


Quantity = FieldPath | Sum


def quantity_fields(quantity: Quantity) -> tuple[str, ...]:
    """The audit fields a quantity reads."""
    if isinstance(quantity, str):
        return (quantity,)
    return tuple(term.field for term in quantity.sum)


class _Ordered(_Model):
    """A check with a met limit and an optional, looser partially-met limit; ``unit`` names the measure."""

    unit: Text | None = None


class FlagCheck(_Model):
    """Met when a yes/no field has the expected answer."""

    kind: Literal["flag"]
    field: FieldPath
    expected: bool = True


class AtLeastCheck(_Ordered):
    """Met when a quantity is at least ``met_at_least``; partially met when at least ``partially_met_at_least``."""

    kind: Literal["at_least"]
    value: Quantity
    met_at_least: Limit
    partially_met_at_least: Limit | None = None

    @model_validator(mode="after")
    def _ordered(self) -> AtLeastCheck:
        if self.partially_met_at_least is not None and self.partially_met_at_least > self.met_at_least:
            raise ValueError("limits out of order: partially_met_at_least must not be above met_at_least")
        return self


class AtMostCheck(_Ordered):
    """Met when a quantity is at most ``met_at_most``; partially met when at most ``partially_met_at_most``."""

    kind: Literal["at_most"]
    value: Quantity
    met_at_most: Limit
    partially_met_at_most: Limit | None = None

    @model_validator(mode="after")
    def _ordered(self) -> AtMostCheck:
        if self.partially_met_at_most is not None and self.partially_met_at_most < self.met_at_most:
            raise ValueError("limits out of order: partially_met_at_most must not be below met_at_most")
        return self


class RatioCheck(_Ordered):
    """Met when numerator ÷ denominator is at most ``met_at_most`` (and the denominator is above 0).

    A numerator of 0 makes the rule not applicable (no pupils to serve), or met where ``zero_numerator``
    says so (no suspensions at all); a denominator of 0 with a numerator above 0 is never met.
    """

    kind: Literal["ratio_at_most"]
    numerator: Quantity
    denominator: FieldPath
    zero_numerator: Literal["not_applicable", "met"] = "not_applicable"
    met_at_most: Annotated[Limit, Field(gt=0)]
    partially_met_at_most: Annotated[Limit, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> RatioCheck:
        if self.partially_met_at_most is not None and self.partially_met_at_most < self.met_at_most:
            raise ValueError("limits out of order: partially_met_at_most must not be below met_at_most")
        return self


class ShareCheck(_Model):
    """Met when part ÷ whole, as a percentage, is at least ``met_at_least_pct``. A whole of 0: not applicable."""

    kind: Literal["share_at_least"]
    part: FieldPath
    whole: FieldPath
    met_at_least_pct: Annotated[Limit, Field(ge=0, le=100)]
    partially_met_at_least_pct: Annotated[Limit, Field(ge=0, le=100)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ShareCheck:
        if self.partially_met_at_least_pct is not None and self.partially_met_at_least_pct > self.met_at_least_pct:
            raise ValueError("limits out of order: partially_met_at_least_pct must not be above met_at_least_pct")
        return self


class ProvisionCheck(_Model):
    """Met when ``count`` reaches the larger of the number of sites and ⌈roll ÷ pupils_per_unit⌉."""

    kind: Literal["provision_for_roll"]
    count: FieldPath
    roll: FieldPath
    pupils_per_unit: Annotated[int, Field(gt=0)]
    sites: FieldPath | None = Field(None, description="At least one per site; an absent answer counts as 1.")
    partially_met_at_least: Annotated[int, Field(ge=1)] = 1


class DatedWithinCheck(_Model):
    """Met while the audit date is before the ``years`` anniversary of the date in ``field``.

    A null date (there is none) is not met, except before ``due_from`` where it is partially met: the
    duty has been announced but has not started.
    """

    kind: Literal["dated_within"]
    field: FieldPath
    years: Annotated[int, Field(ge=1, le=10)]
    partially_met_within_years: Annotated[int, Field(ge=1, le=10)] | None = None
    due_from: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> DatedWithinCheck:
        if self.partially_met_within_years is not None and self.partially_met_within_years < self.years:
            raise ValueError("limits out of order: partially_met_within_years must not be below years")
        return self


class ChoiceCheck(_Model):
    """Met when a choice field has one of the ``met`` answers; partially met for ``partially_met`` answers."""

    kind: Literal["choice"]
    field: FieldPath
    met: Annotated[tuple[str, ...], Field(min_length=1)]
    partially_met: tuple[str, ...] = ()


class FlagItem(_Model):
    """One yes/no field of an ``all_flags`` check and how the gap text names it when it is missing."""

    field: FieldPath
    label: Text


class AllFlagsCheck(_Model):
    """Met when every yes/no field is yes; partially met when at least ``partially_met_at_least`` are."""

    kind: Literal["all_flags"]
    fields: Annotated[tuple[FlagItem, ...], Field(min_length=2)]
    partially_met_at_least: Annotated[int, Field(ge=1)] = 1


class AcceptedQualification(_Model):
    """A qualification value that satisfies the duty, with the course dates it must fall within."""

    value: Text
    started_before: dt.date | None = None
    completed_before: dt.date | None = None


class QualificationCheck(_Model):
    """The SENCO qualification duty (regulation 49): hold an accepted qualification by a deadline.

    Met when an accepted qualification is completed (within its dates). Otherwise not applicable when the
    person had already held the role for more than ``exempt_after_prior_months``; partially met before the
    ``deadline_years`` anniversary of appointment; not met from that anniversary on.
    """

    kind: Literal["qualification_deadline"]
    qualification: FieldPath
    started_on: FieldPath
    completed_on: FieldPath
    appointed_on: FieldPath
    prior_months: FieldPath
    exempt_after_prior_months: Annotated[int, Field(ge=0)]
    deadline_years: Annotated[int, Field(ge=1, le=10)]
    accepted: Annotated[tuple[AcceptedQualification, ...], Field(min_length=1)]


Check = Annotated[
    FlagCheck
    | AtLeastCheck
    | AtMostCheck
    | RatioCheck
    | ShareCheck
    | ProvisionCheck
    | DatedWithinCheck
    | ChoiceCheck
    | AllFlagsCheck
    | QualificationCheck,
    Field(discriminator="kind"),
]

CHECK_KINDS: tuple[str, ...] = (
    "flag",
    "at_least",
    "at_most",
    "ratio_at_most",
    "share_at_least",
    "provision_for_roll",
    "dated_within",
    "choice",
    "all_flags",
    "qualification_deadline",
)

# The placeholders each check kind can fill in a gap text.
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "flag": frozenset(),
    "at_least": frozenset({"amount", "unit", "value", "limit"}),
    "at_most": frozenset({"amount", "unit", "value", "limit"}),
    "ratio_at_most": frozenset({"amount", "unit", "value", "limit"}),
    "share_at_least": frozenset({"amount", "unit", "value", "limit"}),
    "provision_for_roll": frozenset({"amount", "unit", "value", "required"}),
    "dated_within": frozenset({"due", "date", "due_from"}),
    "choice": frozenset({"value"}),
    "all_flags": frozenset({"missing_items"}),
    "qualification_deadline": frozenset({"deadline"}),
}


class Condition(_Model):
    """The rule applies only when ``field`` equals ``equals``; otherwise it is not applicable."""

    field: FieldPath
    equals: bool | str


class Gap(_Model):
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


class Rule(_Model):
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
    review_by: dt.date
    overlay_note: Text | None = Field(None, description="Set by an overlay that changed this rule.")

    @property
    def is_provisional(self) -> bool:
        """Whether its numbers are placeholders to be shown as provisional."""
        return self.provisional or self.basis in (Basis.provisional, Basis.proposal)


class RuleChange(_Model):
    """An overlay's change to an inherited rule: the reason and the fields to replace (merged deeply)."""

    rule: RuleId
    reason: Text
    set: dict[str, Any]


class RuleOff(_Model):
    """An overlay switches an inherited rule off, and records why."""

    rule: RuleId
    reason: Text


class StandardsFile(_Model):
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
