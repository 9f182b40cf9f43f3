"""Scoring an audit against one standards version: pure, deterministic, no I/O.

:class:`Scorer` compiles a :class:`api.rules.catalog.Standards` once; :meth:`Scorer.score` then turns a
validated audit into a :class:`api.engine.report.GapReport`.

The score is ``100 × Σ(weight × credit) ÷ Σ(weight)`` over assessed rules (credit 1 met, 0.5 partially
met, 0 not met), rounded half up to one decimal. The band is the highest whose ``min_score`` the score
reaches, except that any *statutory* rule not met caps the band at the lowest (``capped_by`` names them), and a
report that falls short of the version's completeness rule (its questions' ``completeness``: every statutory rule
assessed, coverage at least a minimum) keeps its score but gets the lowest band, saying why
(``incomplete_reasons``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from api.contract.kinds import PHASES
from api.contract.validation import ValidAudit
from api.engine.checks import Evaluator, Missing, compile_check, need
from api.engine.numbers import round_half_up
from api.engine.outcomes import Outcome
from api.engine.report import DomainScore, Finding, GapReport, RuleView
from api.engine.report_body import ReferenceBody, SourceBody
from api.rules import check_kinds
from api.rules.catalog import Standards
from api.rules.loader import check_fields
from api.rules.schema import Condition, Rule

_FIELD_PATHS = frozenset(
    {
        "field",
        "fields",
        "value",
        "numerator",
        "denominator",
        "part",
        "whole",
        "count",
        "roll",
        "sites",
        "qualification",
        "started_on",
        "completed_on",
        "appointed_on",
        "prior_months",
    }
)


def _measured_unit(rule: Rule) -> str | None:
    check = rule.check
    if isinstance(check, check_kinds.AtLeastCheck | check_kinds.AtMostCheck | check_kinds.RatioCheck):
        return check.unit
    if isinstance(check, check_kinds.ShareCheck):
        return "%"
    if isinstance(check, check_kinds.ProvisionCheck):
        return rule.gap.unit
    if isinstance(check, check_kinds.AllFlagsCheck):
        return f"of {len(check.fields)}"
    return None


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule ready to run: its evaluator, its applicability tests and its static report parts."""

    rule: Rule
    view: RuleView
    evaluate: Evaluator
    phases: frozenset[str] | None
    conditions: tuple[Condition, ...]
    condition_paths: tuple[str, ...]
    all_paths: tuple[str, ...]

    def missing(self, values: Mapping[str, Any]) -> tuple[str, ...]:
        """Every field this rule could read that the audit did not answer (used when a condition is unanswered,
        so that answering the listed fields is enough to assess the rule next time)."""
        return tuple(path for path in self.all_paths if path not in values)


def compile_rule(rule: Rule, standards: Standards) -> CompiledRule:
    """Bind one rule's check, applicability and static report parts."""
    limits = {
        key: value
        for key, value in rule.check.model_dump(mode="json").items()
        if key not in _FIELD_PATHS and value is not None
    }
    sources = tuple(
        SourceBody(
            source=citation.source,
            title=standards.sources[citation.source].title,
            ref=citation.ref,
            url=standards.sources[citation.source].url,
            verify=citation.verify,
        )
        for citation in rule.sources
    )
    view = RuleView(
        id=rule.id,
        title=rule.title,
        domain=rule.domain,
        basis=rule.basis,
        weight=rule.weight,
        provisional=rule.is_provisional,
        measured_unit=_measured_unit(rule),
        limits=limits,
        gap=rule.gap,
        message={"missing": rule.message.missing, "why": rule.message.why, "how": rule.message.how},
        sources=sources,
        review_by=rule.review_by.isoformat(),
        overlay_note=rule.overlay_note,
        reference=None
        if rule.reference is None
        else ReferenceBody(
            text=rule.reference.text,
            source=rule.reference.source,
            title=standards.sources[rule.reference.source].title,
            ref=rule.reference.ref,
        ),
    )
    phases = None if set(rule.applies_to) == set(PHASES) else frozenset(rule.applies_to)
    conditions = tuple(rule.when)
    condition_paths = (("school.phase",) if phases is not None else ()) + tuple(
        path for c in conditions for path in c.fields
    )
    optional = {rule.check.sites} if isinstance(rule.check, check_kinds.ProvisionCheck) else set()
    check_paths = tuple(dict.fromkeys(field for field, _, _ in check_fields(rule.check) if field not in optional))
    return CompiledRule(
        rule=rule,
        view=view,
        evaluate=compile_check(rule.check, view),
        phases=phases,
        conditions=conditions,
        condition_paths=condition_paths,
        all_paths=tuple(dict.fromkeys(condition_paths + check_paths)),
    )


_NOT_ASSESSED, _NOT_APPLICABLE = Outcome.not_assessed, Outcome.not_applicable
_OUTCOMES = tuple(Outcome)


def _evaluate(compiled: CompiledRule, values: Mapping[str, Any], audit_date: dt.date) -> Finding:
    view = compiled.view
    if compiled.condition_paths:
        try:
            need(values, *compiled.condition_paths)
        except Missing:
            return Finding(view, _NOT_ASSESSED, missing=compiled.missing(values))
        if compiled.phases is not None and values["school.phase"] not in compiled.phases:
            return Finding(view, _NOT_APPLICABLE)
        for condition in compiled.conditions:
            if not condition.holds(condition.value_in(values)):
                return Finding(view, _NOT_APPLICABLE)
    try:
        return compiled.evaluate(values, audit_date)
    except Missing as missing:
        return Finding(view, _NOT_ASSESSED, missing=missing.fields)


_HALF_CREDITS = {Outcome.met: 2, Outcome.partially_met: 1, Outcome.not_met: 0}


class _Tally:
    """Running sums for one domain while a report is built."""

    __slots__ = ("counts", "halves", "weights")

    def __init__(self) -> None:
        self.weights = 0
        self.halves = 0
        self.counts = dict.fromkeys(_OUTCOMES, 0)


def _score(weights: int, halves: int) -> float | None:
    """100 × halves ÷ (2 × weights), rounded half up to one decimal, in exact integer arithmetic."""
    if weights == 0:
        return None
    tenths = (1000 * halves + weights) // (2 * weights)
    return tenths / 10


class Scorer:
    """One standards version, compiled for scoring many audits."""

    def __init__(self, standards: Standards) -> None:
        self.standards = standards
        compiled = [compile_rule(rule, standards) for rule in standards.rules]
        # Evaluated in urgency order within each outcome group, so grouping needs no sort per audit.
        self.rules = tuple(sorted(compiled, key=lambda c: c.view.sort_base))
        self.identity = standards.identity()
        self._bands = sorted(standards.bands, key=lambda band: band.min_score)
        self._completeness = standards.questions.completeness
        self._domain_titles = {domain.id: domain.title for domain in standards.domains}
        for rule in standards.rules:
            self._domain_titles.setdefault(rule.domain, rule.domain)

    def findings(self, audit: ValidAudit) -> list[Finding]:
        """Every rule's finding for one audit, most urgent first.

        Gaps (not met and partially met) come first, then rules not assessed, then met, then not
        applicable; within each group statutory rules first, then heavier weights, then by id.
        """
        values, audit_date = audit.values, audit.audit_date
        groups: dict[Outcome, list[Finding]] = {outcome: [] for outcome in _GROUP_ORDER}
        for compiled in self.rules:
            finding = _evaluate(compiled, values, audit_date)
            groups[_GROUP_OF[finding.outcome]].append(finding)
        return [finding for outcome in _GROUP_ORDER for finding in groups[outcome]]

    def incomplete_reasons(self, findings: list[Finding], coverage: float | None) -> list[str]:
        """Why a report falls short of the version's completeness rule, in plain English (none when it is
        complete, or when the version declares no rule): the statutory rules not assessed, by title, and coverage
        (0–1, three decimals) below the version's minimum. The questions to answer are the report's
        ``missing_inputs``. Migration 0006 words the reasons of stored reports the same way."""
        rule = self._completeness
        if rule is None:
            return []
        reasons: list[str] = []
        if rule.statutory_assessed:
            unassessed = [f"“{f.view.title}”" for f in findings if f.outcome is _NOT_ASSESSED and f.view.statutory]
            if unassessed:
                duties = "legal duty" if len(unassessed) == 1 else "legal duties"
                reasons.append(
                    f"{len(unassessed)} {duties} could not be checked because questions were left blank: "
                    f"{'; '.join(unassessed)}."
                )
        if coverage is None:
            reasons.append("No rule could be checked: the questions that apply were left blank.")
        elif coverage < rule.coverage_at_least:
            percent = (round(coverage * 1000) + 5) // 10
            reasons.append(
                f"Only {percent}% of the rules that apply could be checked; a band above the lowest needs at "
                f"least {rule.coverage_at_least * 100:g}%."
            )
        return reasons

    def score(self, audit: ValidAudit) -> GapReport:
        """The gap report of one validated audit."""
        findings = self.findings(audit)
        counts = dict.fromkeys(_OUTCOMES, 0)
        domains = {domain: _Tally() for domain in self._domain_titles}
        weights = halves = 0
        capped_by: list[str] = []
        missing: set[str] = set()
        for finding in findings:
            outcome, view = finding.outcome, finding.view
            counts[outcome] += 1
            domain = domains[view.domain]
            domain.counts[outcome] += 1
            credit = _HALF_CREDITS.get(outcome)
            if credit is not None:
                weight = view.weight
                weights += weight
                halves += weight * credit
                domain.weights += weight
                domain.halves += weight * credit
                if credit == 0 and view.statutory:
                    capped_by.append(view.id)
            elif finding.missing:
                missing.update(finding.missing)
        score = _score(weights, halves)
        applicable = len(findings) - counts[Outcome.not_applicable]
        assessed = applicable - counts[Outcome.not_assessed]
        coverage = float(round_half_up(assessed / applicable, 3)) if applicable else None
        incomplete = self.incomplete_reasons(findings, coverage)
        band = None
        if score is not None or incomplete:
            band = self._bands[0]
            if score is not None and not capped_by and not incomplete:
                for candidate in self._bands:
                    if score >= candidate.min_score:
                        band = candidate
        values = audit.values
        return GapReport(
            standards=self.identity,
            school={
                "urn": values["school.urn"],
                "name": values.get("school.name"),
                "phase": values.get("school.phase"),
            },
            audit_date=audit.audit_date,
            score=score,
            band=band,
            capped_by=sorted(capped_by),
            coverage=coverage,
            complete=not incomplete,
            incomplete_reasons=incomplete,
            missing_inputs=sorted(missing),
            findings=findings,
            counts=counts,
            domains=[
                DomainScore(domain, self._domain_titles[domain], _score(tally.weights, tally.halves), tally.counts)
                for domain, tally in domains.items()
                if any(tally.counts.values())
            ],
        )


# Shortfalls share one group; the others each have their own, in this order.
_GROUP_ORDER = (Outcome.not_met, Outcome.not_assessed, Outcome.met, Outcome.not_applicable)
_GROUP_OF = {outcome: outcome for outcome in _GROUP_ORDER} | {Outcome.partially_met: Outcome.not_met}
