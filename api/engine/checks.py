"""Evaluation of each check kind: pure functions of the audit's answered fields and the audit date.

Each rule is compiled once into an :data:`Evaluator` with its limits bound, so scoring an audit is a
loop of plain function calls. A field the check needs that was not answered raises :class:`Missing`,
which the scorer turns into ``not_assessed`` with the field paths that would let it be scored.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any

from api.engine.numbers import EPSILON, anniversary, long_date, months_after, round_half_up, round_up, show_number
from api.engine.outcomes import Outcome
from api.engine.report import Finding, RuleView, fill
from api.rules import check_kinds

Values = Mapping[str, Any]


class Missing(Exception):
    """Fields a rule needs that the audit did not answer."""

    def __init__(self, fields: tuple[str, ...]) -> None:
        super().__init__(", ".join(fields))
        self.fields = fields


def shortfall(
    view: RuleView,
    outcome: Outcome,
    value: Any,
    amount: float | int | None,
    words: dict[str, str],
    none_at_all: bool = False,
    no_evidence: bool = False,
) -> Finding:
    """A partially-met or not-met finding with its gap text filled in (the ``when_none`` words when there is none
    of the resource at all, the ``no_evidence`` words for a statement in place without evidence)."""
    gap = view.gap
    template = gap.not_met if outcome is NOT_MET else gap.partially_met
    if none_at_all and gap.when_none is not None:
        template = gap.when_none
    if no_evidence and gap.no_evidence is not None:
        template = gap.no_evidence
    text = fill(template, amount, words, gap)
    return Finding(view, outcome, value, amount if gap.field is not None else None, text)


Evaluator = Callable[[Values, dt.date], Finding]


def need(values: Values, *paths: str) -> list[Any]:
    """The values at ``paths``; raises Missing naming every one that was not answered."""
    try:
        return [values[path] for path in paths]
    except KeyError:
        absent = tuple(path for path in paths if path not in values)
        raise Missing(absent) from None


def need1(values: Values, path: str) -> Any:
    """The value at ``path``; raises Missing when it was not answered."""
    try:
        return values[path]
    except KeyError:
        raise Missing((path,)) from None


# Plain module constants: reading an enum member through the class costs a descriptor call per use.
MET, PARTIALLY_MET, NOT_MET = Outcome.met, Outcome.partially_met, Outcome.not_met
NOT_APPLICABLE = Outcome.not_applicable


def _quantity(spec: check_kinds.Quantity) -> Callable[[Values], float]:
    if isinstance(spec, str):
        path = spec

        def read(values: Values) -> float:
            value: float = need1(values, path)
            return value

        return read
    terms = tuple((term.field, term.times) for term in spec.sum)
    paths = tuple(path for path, _ in terms)

    def total(values: Values) -> float:
        result: float = 0
        try:
            for path, times in terms:
                result += values[path] * times
        except KeyError:
            need(values, *paths)  # raises Missing naming every absent field
        return result

    return total


def _flag(check: check_kinds.FlagCheck, view: RuleView) -> Evaluator:
    path, expected = check.field, check.expected

    def evaluate(values: Values, audit_date: dt.date) -> Finding:
        answer = need1(values, path)
        if answer is expected:
            return Finding(view, MET, answer)
        return shortfall(view, NOT_MET, answer, None, {})

    return evaluate


def _at_least(check: check_kinds.AtLeastCheck, view: RuleView) -> Evaluator:
    gap = view.gap
    read = _quantity(check.value)
    met_limit, partial_limit, decimals = check.met_at_least, check.partially_met_at_least, gap.decimals
    limit_text = show_number(met_limit)

    def evaluate(values: Values, audit_date: dt.date) -> Finding:
        value = read(values)
        if value >= met_limit - EPSILON:
            return Finding(view, MET, value)
        outcome = NOT_MET
        if partial_limit is not None and value >= partial_limit - EPSILON:
            outcome = PARTIALLY_MET
        amount = round_up(met_limit - value, decimals)
        return shortfall(view, outcome, value, amount, {"value": show_number(value), "limit": limit_text})

    return evaluate


def _at_most(check: check_kinds.AtMostCheck, view: RuleView) -> Evaluator:
    gap = view.gap
    read = _quantity(check.value)
    met_limit, partial_limit, decimals = check.met_at_most, check.partially_met_at_most, gap.decimals
    limit_text = show_number(met_limit)

    def evaluate(values: Values, audit_date: dt.date) -> Finding:
        value = read(values)
        if value <= met_limit + EPSILON:
            return Finding(view, MET, round_half_up(value, 2))
        outcome = NOT_MET
        if partial_limit is not None and value <= partial_limit + EPSILON:
            outcome = PARTIALLY_MET
        amount = round_up(value - met_limit, decimals)
        return shortfall(
            view,
            outcome,
            round_half_up(value, 2),
            amount,
            {"value": show_number(value), "limit": limit_text},
        )

    return evaluate


def _ratio(check: check_kinds.RatioCheck, view: RuleView) -> Evaluator:
    gap = view.gap
    numerator = _quantity(check.numerator)
    denominator = check.denominator
    numerator_paths = check_kinds.quantity_fields(check.numerator)
    every_path = (*numerator_paths, denominator)
    met_limit, partial_limit, decimals = check.met_at_most, check.partially_met_at_most, gap.decimals
    limit_text = show_number(met_limit)
    when_zero = Outcome(check.zero_numerator)

    def evaluate(values: Values, audit_date: dt.date) -> Finding:
        try:
            *_, bottom = need(values, *every_path)  # names every absent field at once
        except Missing:
            # No pupils to serve settles the rule even when the resource was not given.
            if all(path in values for path in numerator_paths) and numerator(values) == 0:
                return Finding(view, when_zero, 0)
            raise
        top = numerator(values)
        if top == 0:
            return Finding(view, when_zero, 0)
        ratio = top / bottom if bottom > 0 else math.inf
        if not math.isfinite(ratio):  # none of the resource, or too little to divide by (5e-324 FTE): none
            amount = round_up(top / met_limit, decimals)
            return shortfall(view, NOT_MET, None, amount, {"limit": limit_text}, True)
        if ratio <= met_limit + EPSILON:
            return Finding(view, MET, round_half_up(ratio, 2))
        outcome = NOT_MET
        if partial_limit is not None and ratio <= partial_limit + EPSILON:
            outcome = PARTIALLY_MET
        shown = round_half_up(ratio, 2)
        amount = round_up(top / met_limit - bottom, decimals)
        return shortfall(view, outcome, shown, amount, {"value": show_number(shown), "limit": limit_text})

    return evaluate


def _share(check: check_kinds.ShareCheck, view: RuleView) -> Evaluator:
    part_path, whole_path = check.part, check.whole
    met_pct, partial_pct = check.met_at_least_pct, check.partially_met_at_least_pct
    limit_text = show_number(met_pct)

    def evaluate(values: Values, audit_date: dt.date) -> Finding:
        part, whole = need(values, part_path, whole_path)
        if whole == 0:
            return Finding(view, NOT_APPLICABLE)
        share = part * 100 / whole
        shown = round_half_up(share, 1)
        if share >= met_pct - EPSILON:
            return Finding(view, MET, shown)
        outcome = NOT_MET
        if partial_pct is not None and share >= partial_pct - EPSILON:
            outcome = PARTIALLY_MET
        amount = max(0, math.ceil(met_pct * whole / 100 - part - EPSILON))
        return shortfall(view, outcome, shown, amount, {"value": show_number(shown, 1), "limit": limit_text})

    return evaluate


def _provision(check: check_kinds.ProvisionCheck, view: RuleView) -> Evaluator:
    count_path, roll_path, sites_path = check.count, check.roll, check.sites
    per_unit, partial_at = check.pupils_per_unit, check.partially_met_at_least

    def evaluate(values: Values, audit_date: dt.date) -> Finding:
        count, roll = need(values, count_path, roll_path)
        sites = values.get(sites_path, 1) if sites_path is not None else 1
        required = max(sites, -(-roll // per_unit))
        if count >= required:
            return Finding(view, MET, count)
        outcome = PARTIALLY_MET if count >= partial_at else NOT_MET
        return shortfall(view, outcome, count, required - count, {"value": str(count), "required": str(required)})

    return evaluate


def _dated_within(check: check_kinds.DatedWithinCheck, view: RuleView) -> Evaluator:
    path, months, partial_months, due_from = check.field, check.interval_months, check.partial_months, check.due_from

    def evaluate(values: Values, audit_date: dt.date) -> Finding:
        day = need1(values, path)
        if day is None:
            if due_from is not None and audit_date < due_from:
                return shortfall(view, PARTIALLY_MET, None, None, {"due_from": long_date(due_from)})
            return shortfall(view, NOT_MET, None, None, {"due_from": long_date(due_from) if due_from else ""})
        due = months_after(day, months)
        if audit_date < due:
            return Finding(view, MET, day.isoformat())
        words = {"due": long_date(due), "date": long_date(day)}
        if partial_months is not None and audit_date < months_after(day, partial_months):
            return shortfall(view, PARTIALLY_MET, day.isoformat(), None, words)
        return shortfall(view, NOT_MET, day.isoformat(), None, words)

    return evaluate


def _choice(check: check_kinds.ChoiceCheck, view: RuleView) -> Evaluator:
    path, met, partial = check.field, frozenset(check.met), frozenset(check.partially_met)

    def evaluate(values: Values, audit_date: dt.date) -> Finding:
        answer = need1(values, path)
        if answer in met:
            return Finding(view, MET, answer)
        outcome = PARTIALLY_MET if answer in partial else NOT_MET
        return shortfall(view, outcome, answer, None, {"value": str(answer)})

    return evaluate


def _all_flags(check: check_kinds.AllFlagsCheck, view: RuleView) -> Evaluator:
    paths = tuple(item.field for item in check.fields)
    labels = {item.field: item.label for item in check.fields}
    partial_at = check.partially_met_at_least

    def evaluate(values: Values, audit_date: dt.date) -> Finding:
        answers = need(values, *paths)
        yes = sum(1 for answer in answers if answer)
        if yes == len(paths):
            return Finding(view, MET, yes)
        outcome = PARTIALLY_MET if yes >= partial_at else NOT_MET
        lacking = [labels[p] for p, answer in zip(paths, answers, strict=True) if not answer]
        return shortfall(view, outcome, yes, len(paths) - yes, {"missing_items": "; ".join(lacking)})

    return evaluate


def _qualification(check: check_kinds.QualificationCheck, view: RuleView) -> Evaluator:
    accepted = {entry.value: entry for entry in check.accepted}
    exempt_after, years = check.exempt_after_prior_months, check.deadline_years

    def holds_accepted(values: Values, held: str) -> bool:
        entry = accepted.get(held)
        if entry is None:
            return False
        completed = need1(values, check.completed_on)
        if completed is None:
            return False
        if entry.completed_before is not None and not completed < entry.completed_before:
            return False
        if entry.started_before is not None:
            started = need1(values, check.started_on)
            if started is None or not started < entry.started_before:
                return False
        return True

    def evaluate(values: Values, audit_date: dt.date) -> Finding:
        if check.qualification not in values:
            # Without the qualification nothing can be decided: name every field the duty may turn on.
            need(values, check.qualification, check.completed_on, check.prior_months, check.appointed_on)
        held = values[check.qualification]
        if holds_accepted(values, held):
            return Finding(view, MET, held)
        prior = values.get(check.prior_months)
        if prior is not None and prior > exempt_after:
            return Finding(view, NOT_APPLICABLE, held)
        prior, appointed = need(values, check.prior_months, check.appointed_on)
        if prior > exempt_after:
            return Finding(view, NOT_APPLICABLE, held)
        deadline = anniversary(appointed, years)
        words = {"deadline": long_date(deadline)}
        outcome = PARTIALLY_MET if audit_date < deadline else NOT_MET
        return shortfall(view, outcome, held, None, words)

    return evaluate


def _statement(check: check_kinds.StatementCheck, view: RuleView) -> Evaluator:
    path, needs_evidence = check.field, check.evidence_required

    def evaluate(values: Values, audit_date: dt.date) -> Finding:
        answer = need1(values, path)
        rating = answer["rating"]
        if rating == "not_applicable":
            return Finding(view, NOT_APPLICABLE, rating)
        if rating == "in_place":
            if needs_evidence and not (answer.get("evidence") or "").strip():
                return shortfall(view, PARTIALLY_MET, rating, None, {}, no_evidence=True)
            return Finding(view, MET, rating)
        return shortfall(view, PARTIALLY_MET if rating == "partly_in_place" else NOT_MET, rating, None, {})

    return evaluate


def compile_check(check: check_kinds.Check, view: RuleView) -> Evaluator:
    """Bind a check's limits into an evaluator."""
    match check:
        case check_kinds.FlagCheck():
            return _flag(check, view)
        case check_kinds.AtLeastCheck():
            return _at_least(check, view)
        case check_kinds.AtMostCheck():
            return _at_most(check, view)
        case check_kinds.RatioCheck():
            return _ratio(check, view)
        case check_kinds.ShareCheck():
            return _share(check, view)
        case check_kinds.ProvisionCheck():
            return _provision(check, view)
        case check_kinds.DatedWithinCheck():
            return _dated_within(check, view)
        case check_kinds.ChoiceCheck():
            return _choice(check, view)
        case check_kinds.AllFlagsCheck():
            return _all_flags(check, view)
        case check_kinds.StatementCheck():
            return _statement(check, view)
        case check_kinds.QualificationCheck():
            return _qualification(check, view)
    raise AssertionError(f"unhandled check kind {check!r}")  # pragma: no cover - the union is closed
