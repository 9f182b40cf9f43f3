"""The closed set of outcomes a rule can have, with their meanings and scoring credit."""

from __future__ import annotations

import enum


class Outcome(enum.StrEnum):
    """What a rule found for one audit.

    * ``met``: the school meets the standard.
    * ``partially_met``: the school is part of the way there, or within a deadline that has not passed.
    * ``not_met``: the school falls short.
    * ``not_applicable``: the standard does not apply to this school (its phase, or no pupils it concerns).
    * ``not_assessed``: the audit did not answer a field the rule needs; never counted as not met.
    """

    met = "met"
    partially_met = "partially_met"
    not_met = "not_met"
    not_applicable = "not_applicable"
    not_assessed = "not_assessed"

    @property
    def assessed(self) -> bool:
        """Whether the outcome counts in the score."""
        return self in (Outcome.met, Outcome.partially_met, Outcome.not_met)

    @property
    def half_credits(self) -> int:
        """Credit in halves: met 2, partially met 1, otherwise 0."""
        return _HALF_CREDITS.get(self, 0)

    @property
    def urgency(self) -> int:
        """Sort order in reports: shortfalls first, then unanswered, then met, then not applicable."""
        return _URGENCY[self]

    @property
    def label(self) -> str:
        """Plain words for people."""
        return self.value.replace("_", " ").capitalize()


_HALF_CREDITS = {Outcome.met: 2, Outcome.partially_met: 1}
_URGENCY = {
    Outcome.not_met: 0,
    Outcome.partially_met: 1,
    Outcome.not_assessed: 2,
    Outcome.met: 3,
    Outcome.not_applicable: 4,
}
