"""The closed set of check kinds a rule may use (see ``standards/README.md``), as typed models, with the
placeholders each kind can fill in a gap text. Every limit lives in the YAML, none in code."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator

from api.rules.types import FieldPath, FrozenModel, Limit, Text


class Term(FrozenModel):
    """One field in a sum, multiplied by ``times`` (use -1 for a difference)."""

    field: FieldPath
    times: Limit = 1


class Sum(FrozenModel):
    """A weighted sum of fields, e.g. SEN support + 2 × EHC plans."""

    sum: Annotated[tuple[Term, ...], Field(min_length=1)]


Quantity = FieldPath | Sum


def quantity_fields(quantity: Quantity) -> tuple[str, ...]:
    """The audit fields a quantity reads."""
    if isinstance(quantity, str):
        return (quantity,)
    return tuple(term.field for term in quantity.sum)


class _Ordered(FrozenModel):
    """A check with a met limit and an optional, looser partially-met limit; ``unit`` names the measure."""

    unit: Text | None = None


class FlagCheck(FrozenModel):
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


class ShareCheck(FrozenModel):
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


class ProvisionCheck(FrozenModel):
    """Met when ``count`` reaches the larger of the number of sites and ⌈roll ÷ pupils_per_unit⌉."""

    kind: Literal["provision_for_roll"]
    count: FieldPath
    roll: FieldPath
    pupils_per_unit: Annotated[int, Field(gt=0)]
    sites: FieldPath | None = Field(None, description="At least one per site; an absent answer counts as 1.")
    partially_met_at_least: Annotated[int, Field(ge=1)] = 1


class DatedWithinCheck(FrozenModel):
    """Met while the audit date is before the date in ``field`` plus ``years`` (or ``months``): an annual review is
    ``years: 1``, a termly one ``months: 4``. Partially met until ``partially_met_within_years`` (or ``_months``).

    A null date (there is none) is not met, except before ``due_from`` where it is partially met: the
    duty has been announced but has not started.
    """

    kind: Literal["dated_within"]
    field: FieldPath
    years: Annotated[int, Field(ge=1, le=10)] | None = None
    months: Annotated[int, Field(ge=1, le=120)] | None = None
    partially_met_within_years: Annotated[int, Field(ge=1, le=10)] | None = None
    partially_met_within_months: Annotated[int, Field(ge=1, le=120)] | None = None
    due_from: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> DatedWithinCheck:
        if (self.years is None) == (self.months is None):
            raise ValueError("give the interval as years or as months (exactly one)")
        if self.partially_met_within_years is not None and self.partially_met_within_months is not None:
            raise ValueError("give the partially-met interval as years or as months, not both")
        partial = self.partial_months
        if partial is not None and partial < self.interval_months:
            raise ValueError("limits out of order: the partially-met interval must not be shorter than the met one")
        return self

    @property
    def interval_months(self) -> int:
        """The met interval in months."""
        return self.months if self.months is not None else 12 * (self.years or 0)

    @property
    def partial_months(self) -> int | None:
        """The partially-met interval in months, if there is one."""
        if self.partially_met_within_months is not None:
            return self.partially_met_within_months
        if self.partially_met_within_years is not None:
            return 12 * self.partially_met_within_years
        return None


class ChoiceCheck(FrozenModel):
    """Met when a choice field has one of the ``met`` answers; partially met for ``partially_met`` answers."""

    kind: Literal["choice"]
    field: FieldPath
    met: Annotated[tuple[str, ...], Field(min_length=1)]
    partially_met: tuple[str, ...] = ()


class FlagItem(FrozenModel):
    """One yes/no field of an ``all_flags`` check and how the gap text names it when it is missing."""

    field: FieldPath
    label: Text


class AllFlagsCheck(FrozenModel):
    """Met when every yes/no field is yes; partially met when at least ``partially_met_at_least`` are."""

    kind: Literal["all_flags"]
    fields: Annotated[tuple[FlagItem, ...], Field(min_length=2)]
    partially_met_at_least: Annotated[int, Field(ge=1)] = 1


class AcceptedQualification(FrozenModel):
    """A qualification value that satisfies the duty, with the course dates it must fall within."""

    value: Text
    started_before: dt.date | None = None
    completed_before: dt.date | None = None


class QualificationCheck(FrozenModel):
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


class StatementCheck(FrozenModel):
    """A practice statement the school rates, with where its evidence sits: ``in_place`` → met (partially met when
    ``evidence_required`` and no evidence is given: the gap's ``no_evidence`` words say so); ``partly_in_place`` →
    partially met; ``not_in_place`` → not met; ``not_applicable`` → not applicable; no answer → not assessed."""

    kind: Literal["statement"]
    field: FieldPath
    evidence_required: bool = False


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
    | QualificationCheck
    | StatementCheck,
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
    "statement",
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
    "statement": frozenset(),
}
