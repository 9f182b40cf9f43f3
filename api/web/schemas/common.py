"""Response models of the REST API for problems, standards and gap reports (what the OpenAPI document shows).

The models of trusts, schools and stored audits are the services' own (:mod:`api.service.schools`,
:mod:`api.service.audits`), so routes return what the services return.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.rules.catalog import Standards
from api.service.audits import AuditSummary


class FieldError(BaseModel):
    """One problem with one field."""

    field: str
    message: str


class Problem(BaseModel):
    """An error, as problem+json (RFC 9457)."""

    type: str = Field(description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str = Field(description="What went wrong and how to put it right.")
    instance: str | None = None
    code: str = Field(description="A stable machine-readable code.")
    request_id: str | None = None
    errors: list[FieldError] | None = Field(None, description="For invalid input: every problem, by field path.")


class StandardsIdentity(BaseModel):
    """The standards a report was scored against."""

    set: str
    version: str
    sha256: str
    extends: StandardsIdentity | None = None


class StandardsSummary(BaseModel):
    """One standards version."""

    set: str
    version: str
    sha256: str
    title: str
    status: str
    effective_from: str
    extends: str | None
    rules: int

    @classmethod
    def of(cls, standards: Standards) -> StandardsSummary:
        """The summary of a loaded version (``rules`` counts its rules)."""
        return cls(
            set=standards.set,
            version=standards.version,
            sha256=standards.sha256,
            title=standards.title,
            status=standards.status.value,
            effective_from=standards.effective_from.isoformat(),
            extends=standards.extends.ref if standards.extends else None,
            rules=len(standards.rules),
        )


class StandardsDetail(BaseModel):
    """One standards version with its rules."""

    set: str
    version: str
    sha256: str
    title: str
    summary: str
    status: str
    effective_from: str
    supersedes: str | None
    extends: str | None
    domains: list[dict[str, Any]]
    bands: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    switched_off: list[dict[str, Any]]

    @classmethod
    def of(cls, standards: Standards) -> StandardsDetail:
        """A loaded version in full: summary, domains, bands, rules (unset fields left out), switched-off rules."""
        summary = StandardsSummary.of(standards).model_dump(exclude={"rules"})
        return cls(
            **summary,
            summary=standards.summary,
            supersedes=standards.supersedes,
            domains=[d.model_dump(mode="json") for d in standards.domains],
            bands=[b.model_dump(mode="json") for b in standards.bands],
            rules=[r.model_dump(mode="json", exclude_none=True) for r in standards.rules],
            switched_off=[o.model_dump(mode="json") for o in standards.switched_off],
        )


class RuleChange(BaseModel):
    """One field of a rule that differs between two versions."""

    field: str
    old: Any
    new: Any


class ChangedRule(BaseModel):
    """A rule present in both versions with its changes."""

    rule: str
    changes: list[RuleChange]


class RuleBrief(BaseModel):
    """A rule added or removed."""

    rule: str
    title: str
    basis: str


class StandardsDiff(BaseModel):
    """Rules added, removed and changed from one version to another."""

    model_config = ConfigDict(populate_by_name=True)

    from_: StandardsIdentity = Field(alias="from")
    to: StandardsIdentity
    added: list[RuleBrief]
    removed: list[RuleBrief]
    changed: list[ChangedRule]


class Measured(BaseModel):
    """What was measured, in what unit."""

    value: Any
    unit: str | None


class GapOut(BaseModel):
    """How far short, and what would close the gap."""

    amount: float | None
    unit: str | None
    field: str | None
    text: str


class MessageOut(BaseModel):
    """The three-part message."""

    missing: str
    why: str
    how: str


class SourceOut(BaseModel):
    """A citation."""

    source: str
    title: str
    ref: str
    url: str | None
    verify: bool


class ResultOut(BaseModel):
    """One rule's finding."""

    rule: str
    title: str
    domain: str
    basis: str
    weight: int
    provisional: bool
    status: Literal["met", "partially_met", "not_met", "not_applicable", "not_assessed"]
    measured: Measured
    limits: dict[str, Any]
    gap: GapOut | None
    message: MessageOut
    sources: list[SourceOut]
    missing_inputs: list[str]
    review_by: str
    overlay_note: str | None


class DomainOut(BaseModel):
    """A domain's score and counts."""

    id: str
    title: str
    score: float | None
    counts: dict[str, int]


class SchoolBrief(BaseModel):
    """The school a report is about."""

    urn: str
    name: str | None
    phase: str | None


class GapReportOut(BaseModel):
    """A gap report: what is met, what falls short, by how much, why it matters and how to close it."""

    standards: StandardsIdentity
    school: SchoolBrief
    audit_date: str
    score: float | None = Field(description="0-100, one decimal; null when no rule could be assessed.")
    band: str | None
    band_label: str | None
    capped_by: list[str]
    coverage: float | None
    missing_inputs: list[str]
    counts: dict[str, int]
    domains: list[DomainOut]
    results: list[ResultOut]


class AuditSubmitted(BaseModel):
    """A stored audit and its report."""

    audit: AuditSummary
    report: GapReportOut


class Health(BaseModel):
    """Liveness or readiness."""

    status: str
    checks: dict[str, str] = Field(default_factory=dict)
