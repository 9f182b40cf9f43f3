"""The gap report: what is met, what falls short, by how much, why it matters and how to close it.

:meth:`GapReport.to_dict` gives the JSON output contract (see the README); :meth:`GapReport.to_json` gives
the same object already encoded. The rule-level parts of a report never change between audits, so each
rule's JSON is encoded once per standards version and only the audit's own figures are encoded per report.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from api.engine.outcomes import Outcome
from api.engine.report_body import (
    DomainBody,
    GapBody,
    MessageBody,
    ReferenceBody,
    ReportBody,
    ResultBody,
    SchoolBody,
    SourceBody,
)
from api.rules.catalog import StandardsIdentity
from api.rules.schema import Band, Basis, Gap

_encode_text = json.encoder.encode_basestring  # the C string encoder


def encode_value(value: Any) -> str:
    """A measured value or gap amount as JSON (these are only ever None, bool, int, float or text)."""
    kind = type(value)
    if kind is str:
        return str(_encode_text(value))
    if kind is int or kind is float:
        return repr(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return json.dumps(value)


@dataclass(frozen=True, slots=True)
class RuleView:
    """The parts of a rule a report shows, prepared (and JSON-encoded) once per standards version."""

    id: str
    title: str
    domain: str
    basis: Basis
    weight: int
    provisional: bool
    measured_unit: str | None
    limits: Mapping[str, Any]
    gap: Gap
    message: MessageBody
    sources: tuple[SourceBody, ...]
    review_by: str
    overlay_note: str | None
    reference: ReferenceBody | None = None
    sort_base: tuple[int, int, str] = field(init=False)
    statutory: bool = field(init=False)
    head_json: str = field(init=False)
    gap_json_head: str = field(init=False)
    unit_json: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sort_base", (self.basis.rank, -self.weight, self.id))
        object.__setattr__(self, "statutory", self.basis is Basis.statutory)
        static = {
            "rule": self.id,
            "title": self.title,
            "domain": self.domain,
            "basis": self.basis.value,
            "weight": self.weight,
            "provisional": self.provisional,
            "limits": self.limits,
            "message": self.message,
            "sources": list(self.sources),
            "reference": self.reference,
            "review_by": self.review_by,
            "overlay_note": self.overlay_note,
        }
        object.__setattr__(self, "head_json", json.dumps(static, ensure_ascii=False)[:-1])
        gap_head = f'{{"unit":{encode_value(self.gap.unit)},"field":{encode_value(self.gap.field)}'
        object.__setattr__(self, "gap_json_head", gap_head)
        object.__setattr__(self, "unit_json", encode_value(self.measured_unit))


@dataclass(slots=True)
class Finding:
    """One rule's result for one audit."""

    view: RuleView
    outcome: Outcome
    value: Any = None
    amount: float | int | None = None
    text: str | None = None
    missing: tuple[str, ...] = ()

    @property
    def rule(self) -> str:
        """The rule id."""
        return self.view.id

    def gap_dict(self) -> GapBody | None:
        """The gap, or None unless the rule is partially met or not met."""
        if self.text is None:
            return None
        return {
            "amount": self.amount,
            "unit": self.view.gap.unit,
            "field": self.view.gap.field,
            "text": self.text,
        }

    def to_dict(self) -> ResultBody:
        """JSON-ready form (the ``results`` entries of the report)."""
        view = self.view
        return {
            "rule": view.id,
            "title": view.title,
            "domain": view.domain,
            "basis": view.basis.value,
            "weight": view.weight,
            "provisional": view.provisional,
            "status": self.outcome.value,
            "measured": {"value": self.value, "unit": view.measured_unit},
            "limits": view.limits,
            "gap": self.gap_dict(),
            "message": view.message,
            "sources": list(view.sources),
            "reference": view.reference,
            "missing_inputs": list(self.missing),
            "review_by": view.review_by,
            "overlay_note": view.overlay_note,
        }

    def to_json(self) -> str:
        """The same object as :meth:`to_dict`, encoded."""
        view = self.view
        if self.text is None:
            gap = "null"
        else:
            gap = f'{view.gap_json_head},"amount":{encode_value(self.amount)},"text":{_encode_text(self.text)}}}'
        missing = ",".join(_encode_text(path) for path in self.missing)
        return (
            f"{view.head_json}{_STATUS_JSON[self.outcome]}"
            f'"measured":{{"value":{encode_value(self.value)},"unit":{view.unit_json}}},'
            f'"gap":{gap},"missing_inputs":[{missing}]}}'
        )


@dataclass(frozen=True, slots=True)
class DomainScore:
    """A domain's score (same formula as the whole report) and its outcome counts."""

    id: str
    title: str
    score: float | None
    counts: Mapping[Outcome, int]

    def to_json(self) -> str:
        """The same object as :meth:`to_dict`, encoded."""
        return (
            f'{{"id":{encode_value(self.id)},"title":{encode_value(self.title)},"score":{encode_value(self.score)},'
            f'"counts":{_counts_json(self.counts)}}}'
        )

    def to_dict(self) -> DomainBody:
        """JSON-ready form."""
        counts = {str(outcome): count for outcome, count in self.counts.items()}
        return {"id": self.id, "title": self.title, "score": self.score, "counts": counts}


@dataclass(slots=True)
class GapReport:
    """One audit scored against one standards version."""

    standards: StandardsIdentity
    school: SchoolBody
    audit_date: dt.date
    score: float | None
    band: Band | None
    capped_by: list[str]
    coverage: float | None
    complete: bool
    incomplete_reasons: list[str]
    missing_inputs: list[str]
    findings: list[Finding]
    counts: Mapping[Outcome, int]
    domains: list[DomainScore] = field(default_factory=list)

    def to_dict(self) -> ReportBody:
        """The report as the JSON output contract."""
        return {
            "standards": self.standards,
            "school": self.school,
            "audit_date": self.audit_date.isoformat(),
            "score": self.score,
            "band": self.band.id if self.band is not None else None,
            "band_label": self.band.label if self.band is not None else None,
            "capped_by": self.capped_by,
            "coverage": self.coverage,
            "complete": self.complete,
            "incomplete_reasons": self.incomplete_reasons,
            "missing_inputs": self.missing_inputs,
            "counts": {str(outcome): count for outcome, count in self.counts.items()},
            "domains": [domain.to_dict() for domain in self.domains],
            "results": [finding.to_dict() for finding in self.findings],
        }

    def to_json(self) -> str:
        """The report encoded as compact JSON (equal, once decoded, to :meth:`to_dict`).

        Built from pre-encoded parts: the summary's few fields are encoded here, each finding by itself.
        """
        school = self.school
        band = self.band
        parts = [
            f'{{"standards":{_dumps(self.standards)},'
            f'"school":{{"urn":{encode_value(school["urn"])},"name":{encode_value(school.get("name"))},'
            f'"phase":{encode_value(school.get("phase"))}}},'
            f'"audit_date":"{self.audit_date.isoformat()}","score":{encode_value(self.score)},'
            f'"band":{encode_value(band.id if band else None)},'
            f'"band_label":{encode_value(band.label if band else None)},'
            f'"capped_by":{_dumps(self.capped_by)},"coverage":{encode_value(self.coverage)},'
            f'"complete":{"true" if self.complete else "false"},'
            f'"incomplete_reasons":{_dumps(self.incomplete_reasons)},'
            f'"missing_inputs":{_dumps(self.missing_inputs)},"counts":{_counts_json(self.counts)},"domains":['
        ]
        parts.append(",".join([domain.to_json() for domain in self.domains]))
        parts.append('],"results":[')
        parts.append(",".join([finding.to_json() for finding in self.findings]))
        parts.append("]}")
        return "".join(parts)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_COUNT_KEYS = {outcome: f'"{outcome.value}":' for outcome in Outcome}
_STATUS_JSON = {outcome: f',"status":"{outcome.value}",' for outcome in Outcome}


def _counts_json(counts: Mapping[Outcome, int]) -> str:
    keys = _COUNT_KEYS
    return "{" + ",".join([keys[outcome] + str(count) for outcome, count in counts.items()]) + "}"


def _show(amount: float | int | None, decimals: int) -> str:
    if amount is None:
        return ""
    if decimals == 0 or float(amount).is_integer():
        return str(int(amount))
    return f"{amount:.{decimals}f}"


class _Words(dict[str, str]):
    """Placeholder values; a name the check did not fill reads as empty text."""

    def __missing__(self, key: str) -> str:
        return ""


def fill(template: str, amount: float | int | None, words: Mapping[str, str], gap: Gap) -> str:
    """A gap text with its ``{name}`` placeholders filled.

    ``str.format_map`` is safe here because the loader allows nothing in a gap text but plain words and
    bare ``{name}`` placeholders (no attribute or index access, no other braces).
    """
    filled = dict(words)
    filled["amount"] = _show(amount, gap.decimals)
    filled["unit"] = gap.unit or ""
    try:
        return template.format_map(filled)
    except KeyError:  # a placeholder this finding has no value for (e.g. {value} when there is none)
        return template.format_map(_Words(filled))
