"""Validating a decoded self-audit as a whole: every problem listed by field path, or the flat answered values.

:func:`validate_audit` checks an audit completely and either returns a :class:`ValidAudit` (the flat
``path -> value`` mapping of the answered fields) or raises :class:`api.errors.AuditInvalid` listing
every problem by field path. An audit is never scored in part.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from api.contract.constraints import cross_field_problems, date_paths
from api.contract.fields import FieldSpec, put_answer
from api.contract.kinds import FieldKind, parse_date
from api.contract.messages import NULL_NOT_ALLOWED, problems_from
from api.contract.question_model import audit_model
from api.contract.questions import QuestionSet, field_specs
from api.errors import AuditInvalid, FieldProblem


@dataclass(frozen=True, slots=True)
class ValidAudit:
    """A fully validated audit: the answered fields as a flat ``path -> value`` mapping."""

    values: Mapping[str, Any]

    @property
    def audit_date(self) -> dt.date:
        """The date the audit describes."""
        value: dt.date = self.values["audit_date"]
        return value

    @property
    def urn(self) -> str:
        """The school's URN."""
        value: str = self.values["school.urn"]
        return value

    def nested(self) -> dict[str, Any]:
        """The audit as nested JSON-ready sections, answered fields only (dates as ISO text)."""
        out: dict[str, Any] = {}
        for path, value in self.values.items():
            put_answer(out, path, value.isoformat() if isinstance(value, dt.date) else value)
        return out


def flatten(audit: BaseModel, sections: Sequence[str]) -> dict[str, Any]:
    """The answered fields of a parsed audit as ``{dotted.path: value}``; absent fields are left out; a
    statement's answer becomes its JSON object (``{"rating": …, "evidence": …}``)."""
    values: dict[str, Any] = {"audit_date": getattr(audit, "audit_date")}  # noqa: B009 (models built per version)
    for section_name in sections:
        section: BaseModel = getattr(audit, section_name)
        for name in section.model_fields_set:
            value = getattr(section, name)
            values[f"{section_name}.{name}"] = (
                value.model_dump(exclude_none=True) if isinstance(value, BaseModel) else value
            )
    return values


def _typed_values(data: Mapping[str, Any], fields: Mapping[str, FieldSpec]) -> dict[str, Any]:
    """The fields of a raw (possibly invalid) audit that have the right type, flat, for cross-field checks."""
    values: dict[str, Any] = {}
    for path, spec in fields.items():
        if "." in path:
            section, name = path.split(".")
            raw = data.get(section)
            if not isinstance(raw, Mapping) or name not in raw:
                continue
            value = raw[name]
        elif path in data:
            value = data[path]
        else:
            continue
        if spec.kind is FieldKind.date:
            try:
                value = parse_date(value)
            except ValueError:
                continue
        elif (spec.kind is FieldKind.whole_number and (not isinstance(value, int) or isinstance(value, bool))) or (
            spec.kind is FieldKind.number
            and (not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value))
        ):
            continue
        values[path] = value
    return values


def _null_problems(
    data: Mapping[str, Any], fields: Mapping[str, FieldSpec]
) -> tuple[list[FieldProblem], Mapping[str, Any]]:
    """Every null given for a field that does not allow it, and the audit with those nulls left out."""
    problems: list[FieldProblem] = []
    cleaned: dict[str, Any] | None = None
    for section, answers in data.items():
        if not isinstance(answers, Mapping):
            continue
        for name, value in answers.items():
            spec = fields.get(f"{section}.{name}")
            if value is None and spec is not None and not spec.nullable:
                problems.append(FieldProblem(f"{section}.{name}", NULL_NOT_ALLOWED))
                if cleaned is None:
                    cleaned = {key: dict(value) if isinstance(value, Mapping) else value for key, value in data.items()}
                del cleaned[section][name]
    return problems, data if cleaned is None else cleaned


_Contract = tuple[type[BaseModel], Mapping[str, FieldSpec], tuple[str, ...], tuple[str, ...]]
_CONTRACTS: dict[int, tuple[QuestionSet, _Contract]] = {}


def _contract_of(questions: QuestionSet) -> _Contract:
    """The model, fields by path, sections and date fields an audit is validated by, from a version's questions.
    Built once per question set (kept by identity: hashing a question set on every audit would cost more than
    validating it)."""
    entry = _CONTRACTS.get(id(questions))
    if entry is not None and entry[0] is questions:
        return entry[1]
    model, fields = audit_model(questions), field_specs(questions)
    sections = tuple(name for name in model.model_fields if name != "audit_date")
    contract = (model, fields, sections, date_paths(fields))
    _CONTRACTS[id(questions)] = (questions, contract)
    return contract


def validate_audit(data: Any, *, questions: QuestionSet, today: dt.date | None = None) -> ValidAudit:
    """Validate a decoded audit (JSON object) by ``questions`` (a version's questions, with their cross-field
    constraints); ``today`` refuses future audit dates. Raises AuditInvalid listing every problem.

    A valid audit takes one pass of the typed model; an invalid one gets a second, slower pass that
    collects every problem (each null, each type error and each cross-field problem) so all are listed.
    """
    model, fields, sections, dates = _contract_of(questions)
    if not isinstance(data, Mapping):
        raise AuditInvalid([FieldProblem(field="(audit)", message="must be a JSON object of audit sections")])
    try:
        parsed = model.model_validate(data)
    except ValidationError:
        pass
    else:
        values = flatten(parsed, sections)
        problems = cross_field_problems(values, today, questions, dates)
        if not problems:
            return ValidAudit(values)
        raise AuditInvalid(sorted(problems, key=lambda p: p.field))
    problems, cleaned = _null_problems(data, fields)
    try:
        model.model_validate(cleaned)
    except ValidationError as error:
        problems.extend(problems_from(error))
    problems.extend(cross_field_problems(_typed_values(data, fields), today, questions, dates))
    first_per_field = {problem.field: problem for problem in reversed(problems)}  # a null is not also 'missing'
    raise AuditInvalid(sorted(first_per_field.values(), key=lambda p: p.field))
