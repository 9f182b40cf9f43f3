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

from api.engine.outcomes import Outcome
from api.engine.report import Finding, RuleView, fill
from api.rules import schema

Values = Mapping[str, Any]
EPSILON = 1e-9  # audit figures are decimals typed by people; this absorbs binary float noise at limits


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
) -> Finding:
    """A partially-met or not-met finding with its gap text filled in."""
    gap = view.gap
    template = gap.not_met if outcome is NOT_MET else gap.partially_met
    if none_at_all and gap.when_none is not None:
        template = gap.when_none
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
_MONTHS = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def anniversary(start: dt.date, years: int) -> dt.date:
    """The date ``years`` after ``start``; an anniversary of 29 February falls on 28 February."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def long_date(day: dt.date) -> str:
    """'1 September 2027' (English month names whatever the locale)."""
    return f"{day.day} {_MONTHS[day.month]} {day.year}"


def round_half_up(value: float, decimals: int) -> float | int:
    """Round as people do (0.125 → 0.13), absorbing float noise; whole results come back as int."""
    factor = _POWERS[decimals]
    scaled = value * factor
    if not math.isfinite(scaled) or abs(scaled) > 1e15:  # beyond float's exact integers: nothing to round
        return value
    whole = math.floor(scaled + 0.5 + EPSILON * max(1.0, abs(scaled)))
    if whole % factor == 0:
        return whole // factor
    return whole / factor


_POWERS = (1, 10, 100, 1000, 10000)


def round_up(value: float, decimals: int) -> float | int:
    """Round a gap amount up, so that adding it always closes the gap (0.0125 FTE → 0.02); whole results as int."""
    factor = _POWERS[decimals]
    scaled = value * factor
    if not math.isfinite(scaled) or abs(scaled) > 1e15:
        return value
    whole = math.ceil(scaled - EPSILON * max(1.0, abs(scaled)))
    if whole % factor == 0:
        return whole // factor
    return whole / factor


def show_number(value: float | int, decimals: int = 2) -> str:
    """A number as a person writes it: no trailing zeros, no '.0'."""
    if type(value) is int:
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".")


def _quantity(spec: schema.Quantity) -> Callable[[Values], float]:
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


def _flag(check: schema.FlagCheck, view: RuleView) -> Evaluator:
    path, expected = check.field, check.expected

    def evaluate(values: Values, audit_date: dt.date) -> Finding:
        answer = need1(values, path)
        if answer is expected:
            return Finding(view, MET, answer)
        return shortfall(view, NOT_MET, answer, None, {})

    return evaluate


def _at_least(check: schema.AtLeastCheck, view: RuleView) -> Evaluator:
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


def _at_most(check: schema.AtMostCheck, view: RuleView) -> Evaluator:
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


def _ratio(check: schema.RatioCheck, view: RuleView) -> Evaluator:
    gap = view.gap
    numerator = _quantity(check.numerator)
    denominator = check.denominator
    numerator_paths = schema.quantity_fields(check.numerator)
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
        if bottom <= 0:
            amount = round_up(top / met_limit, decimals)
            return shortfall(view, NOT_MET, None, amount, {"limit": limit_text}, True)
        ratio = top / bottom
        if ratio <= met_limit + EPSILON:
            return Finding(view, MET, round_half_up(ratio, 2))
        outcome = NOT_MET
        if partial_limit is not None and ratio <= partial_limit + EPSILON:
            outcome = PARTIALLY_MET
        shown = round_half_up(ratio, 2)
        amount = round_up(top / met_limit - bottom, decimals)
        return shortfall(view, outcome, shown, amount, {"value": show_number(shown), "limit": limit_text})

    return evaluate


def _share(check: schema.ShareCheck, view: RuleView) -> Evaluator:
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


def _provision(check: schema.ProvisionCheck, view: RuleView) -> Evaluator:
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


def _dated_within(check: schema.DatedWithinCheck, view: RuleView) -> Evaluator:
    path, years, partial_years, due_from = (
        check.field,
        check.years,
        check.partially_met_within_years,
        check.due_from,
    )

    def evaluate(values: Values, audit_date: dt.date) -> Finding:
        day = need1(values, path)
        if day is None:
            if due_from is not None and audit_date < due_from:
                return shortfall(view, PARTIALLY_MET, None, None, {"due_from": long_date(due_from)})
            return shortfall(view, NOT_MET, None, None, {"due_from": long_date(due_from) if due_from else ""})
        due = anniversary(day, years)
        if audit_date < due:
            return Finding(view, MET, day.isoformat())
        words = {"due": long_date(due), "date": long_date(day)}
        if partial_years is not None and audit_date < anniversary(day, partial_years):
            return shortfall(view, PARTIALLY_MET, day.isoformat(), None, words)
        return shortfall(view, NOT_MET, day.isoformat(), None, words)

    return evaluate


def _choice(check: schema.ChoiceCheck, view: RuleView) -> Evaluator:
    path, met, partial = check.field, frozenset(check.met), frozenset(check.partially_met)

    def evaluate(values: Values, audit_date: dt.date) -> Finding:
        answer = need1(values, path)
        if answer in met:
            return Finding(view, MET, answer)
        outcome = PARTIALLY_MET if answer in partial else NOT_MET
        return shortfall(view, outcome, answer, None, {"value": str(answer)})

    return evaluate


def _all_flags(check: schema.AllFlagsCheck, view: RuleView) -> Evaluator:
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


def _qualification(check: schema.QualificationCheck, view: RuleView) -> Evaluator:
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


def compile_check(check: schema.Check, view: RuleView) -> Evaluator:
    """Bind a check's limits into an evaluator."""
    match check:
        case schema.FlagCheck():
            return _flag(check, view)
        case schema.AtLeastCheck():
            return _at_least(check, view)
        case schema.AtMostCheck():
            return _at_most(check, view)
        case schema.RatioCheck():
            return _ratio(check, view)
        case schema.ShareCheck():
            return _share(check, view)
        case schema.ProvisionCheck():
            return _provision(check, view)
        case schema.DatedWithinCheck():
            return _dated_within(check, view)
        case schema.ChoiceCheck():
            return _choice(check, view)
        case schema.AllFlagsCheck():
            return _all_flags(check, view)
        case schema.QualificationCheck():
            return _qualification(check, view)
    raise AssertionError(f"unhandled check kind {check!r}")  # pragma: no cover - the union is closed
