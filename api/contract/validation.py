"""Validating a decoded self-audit as a whole: every problem listed by field path, or the flat answered values.

:func:`validate_audit` checks an audit completely and either returns a :class:`ValidAudit` (the flat
``path -> value`` mapping of the answered fields) or raises :class:`api.errors.AuditInvalid` listing
every problem by field path. An audit is never scored in part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from api.contract.constraints import cross_field_problems
from api.contract.fields import FIELDS, SECTIONS, put_answer
from api.contract.kinds import FieldKind, parse_date
from api.contract.messages import NULL_NOT_ALLOWED, problems_from
from api.contract.model import Audit, Section
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


def flatten(audit: Audit) -> dict[str, Any]:
    """The answered fields of a parsed audit as ``{dotted.path: value}``; absent fields are left out."""
    values: dict[str, Any] = {"audit_date": audit.audit_date}
    for section_name in SECTIONS:
        section: Section = getattr(audit, section_name)
        for name in section.model_fields_set:
            values[f"{section_name}.{name}"] = getattr(section, name)
    return values


def _typed_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a raw (possibly invalid) audit that have the right type, flat, for cross-field checks."""
    values: dict[str, Any] = {}
    for path, spec in FIELDS.items():
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
        elif spec.kind is FieldKind.whole_number and (not isinstance(value, int) or isinstance(value, bool)):
            continue
        values[path] = value
    return values


def _null_problems(data: Mapping[str, Any]) -> tuple[list[FieldProblem], Mapping[str, Any]]:
    """Every null given for a field that does not allow it, and the audit with those nulls left out."""
    problems: list[FieldProblem] = []
    cleaned: dict[str, Any] | None = None
    for section, fields in data.items():
        if not isinstance(fields, Mapping):
            continue
        for name, value in fields.items():
            spec = FIELDS.get(f"{section}.{name}")
            if value is None and spec is not None and not spec.nullable:
                problems.append(FieldProblem(f"{section}.{name}", NULL_NOT_ALLOWED))
                if cleaned is None:
                    cleaned = {key: dict(value) if isinstance(value, Mapping) else value for key, value in data.items()}
                del cleaned[section][name]
    return problems, data if cleaned is None else cleaned


def validate_audit(data: Any, *, today: dt.date | None = None) -> ValidAudit:
    """Validate a decoded audit (JSON object); ``today`` refuses future audit dates. Raises AuditInvalid.

    A valid audit takes one pass of the typed model; an invalid one gets a second, slower pass that
    collects every problem (each null, each type error and each cross-field problem) so all are listed.
    """
    if not isinstance(data, Mapping):
        raise AuditInvalid([FieldProblem(field="(audit)", message="must be a JSON object of audit sections")])
    try:
        parsed = Audit.model_validate(data)
    except ValidationError:
        pass
    else:
        values = flatten(parsed)
        problems = cross_field_problems(values, today)
        if not problems:
            return ValidAudit(values)
        raise AuditInvalid(sorted(problems, key=lambda p: p.field))
    problems, cleaned = _null_problems(data)
    try:
        Audit.model_validate(cleaned)
    except ValidationError as error:
        problems.extend(problems_from(error))
    problems.extend(cross_field_problems(_typed_values(data), today))
    first_per_field = {problem.field: problem for problem in reversed(problems)}  # a null is not also 'missing'
    raise AuditInvalid(sorted(first_per_field.values(), key=lambda p: p.field))
