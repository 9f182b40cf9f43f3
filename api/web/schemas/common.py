"""Request and response models of the REST API (what the OpenAPI document shows)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.contract.kinds import Phase

TrustId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")]
Urn = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrustIn(_In):
    """A trust to create or update."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


class TrustOut(BaseModel):
    """A trust."""

    id: str
    name: str


class SchoolIn(_In):
    """A school to create or update, with its trust."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    phase: Phase | None = None
    local_authority: Annotated[str, StringConstraints(max_length=100)] | None = None
    trust_id: TrustId | None = None
    la_code: Annotated[str, StringConstraints(pattern=r"^\d{3}$")] | None = None
    establishment_type: Annotated[str, StringConstraints(max_length=100)] | None = None
    status: Literal["open", "closed"] = "open"


class SchoolOut(BaseModel):
    """A school."""

    urn: str
    name: str
    phase: str | None
    local_authority: str | None
    trust_id: str | None
    la_code: str | None
    establishment_type: str | None
    status: str


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


class AuditSummary(BaseModel):
    """A stored audit's identity."""

    id: str
    school_urn: str
    audit_date: str
    replaces_id: str | None
    source: str
    created_at: str


class AuditDetail(AuditSummary):
    """A stored audit with its figures."""

    audit: dict[str, Any]


class AuditSubmitted(BaseModel):
    """A stored audit and its report."""

    audit: AuditSummary
    report: GapReportOut


class AuditPage(BaseModel):
    """A page of audits, newest first."""

    items: list[AuditSummary]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page.")


class Health(BaseModel):
    """Liveness or readiness."""

    status: str
    checks: dict[str, str] = Field(default_factory=dict)
