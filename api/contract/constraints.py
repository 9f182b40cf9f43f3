"""Cross-field checks of a self-audit, as the version's questions declare them (``constraints:`` in a question
file: ``sum_at_most``, ``not_after_audit_date``, ``not_before``), plus the one check of the envelope: an audit
date may not be in the future."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from api.contract.fields import FieldSpec
from api.contract.kinds import FieldKind
from api.contract.questions import NotAfterAuditDate, NotBefore, QuestionSet, SumAtMost
from api.errors import FieldProblem

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)\}")
"""A ``{section.name}`` placeholder in a constraint's message: the answer to that question."""


def more_with_sen_than_on_roll(*, on_roll: int, sen_support: int, ehcp: int) -> bool:
    """True when pupils on SEN support plus pupils with an EHC plan (counts of pupils) exceed the pupils on roll.

    The census importer's row check (a row is rejected before any question set is chosen); the national questions
    declare the same limit as ``sum_at_most``. Raises nothing.
    """
    return sen_support + ehcp > on_roll


def date_paths(fields: Mapping[str, FieldSpec]) -> tuple[str, ...]:
    """The date fields among ``fields`` (by dotted path), the audit date left out."""
    return tuple(spec.path for spec in fields.values() if spec.kind is FieldKind.date and spec.path != "audit_date")


def show(value: Any) -> str:
    """An answer as a message shows it: whole numbers without a point, dates as ISO text."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _fill(template: str, values: Mapping[str, Any]) -> str:
    return PLACEHOLDER.sub(lambda match: show(values.get(match[1], "")), template)


def _sum_problem(rule: SumAtMost, values: Mapping[str, Any], labels: Mapping[str, str]) -> FieldProblem | None:
    parts = [values.get(path) for path in rule.fields]
    limit = values.get(rule.limit_field)
    if limit is None or any(part is None for part in parts) or sum(parts) <= limit:  # type: ignore[arg-type]
        return None
    if rule.message is not None:
        message = _fill(rule.message, values)
    elif len(rule.fields) == 1:
        message = f"cannot be more than “{labels[rule.limit_field]}” ({show(limit)})"
    else:
        added = " and ".join(
            f"“{labels[path]}” ({show(value)})" for path, value in zip(rule.fields, parts, strict=True)
        )
        message = f"{added} add up to more than “{labels[rule.limit_field]}” ({show(limit)})"
    return FieldProblem(field=rule.fields[0], message=message)


def _before_problem(rule: NotBefore, values: Mapping[str, Any], labels: Mapping[str, str]) -> FieldProblem | None:
    value, earliest = values.get(rule.field), values.get(rule.earliest)
    if value is None or earliest is None or value >= earliest:
        return None
    if rule.message is not None:
        return FieldProblem(field=rule.field, message=_fill(rule.message, values))
    return FieldProblem(
        field=rule.field, message=f"cannot be earlier than “{labels[rule.earliest]}” ({show(earliest)})"
    )


def cross_field_problems(
    values: Mapping[str, Any], today: dt.date | None, questions: QuestionSet, dates: tuple[str, ...]
) -> list[FieldProblem]:
    """Every cross-field problem of typed flat ``path -> value`` values (from a parsed audit, or what of a raw
    one parsed), by ``questions``' constraints; ``today`` (when given) refuses a future audit date; ``dates`` are
    the version's date questions (what ``not_after_audit_date`` covers when it names none). Returns the problems,
    none when all agree; a constraint with an unanswered field is not checked."""
    problems: list[FieldProblem] = []
    labels = {question.id: question.label for question in questions.questions}
    audit_date = values.get("audit_date")
    if audit_date is not None and today is not None and audit_date > today:
        problems.append(FieldProblem(field="audit_date", message=f"cannot be in the future (today is {today})"))
    for rule in questions.constraints:
        found: FieldProblem | None = None
        if isinstance(rule, SumAtMost):
            found = _sum_problem(rule, values, labels)
        elif isinstance(rule, NotBefore):
            found = _before_problem(rule, values, labels)
        elif isinstance(rule, NotAfterAuditDate) and audit_date is not None:
            for path in rule.fields or dates:
                value = values.get(path)
                if value is not None and value > audit_date:
                    problems.append(
                        FieldProblem(field=path, message=f"cannot be later than the audit date ({audit_date})")
                    )
        if found is not None:
            problems.append(found)
    return problems
