"""Gap reports as the API shows them: findings, domain scores, and a submitted audit with its report."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.service.audits import AuditSummary
from api.web.schemas.standards import StandardsIdentity


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


class ReferenceOut(BaseModel):
    """The reference point a provisional limit was set against: what typical practice or a published figure is."""

    text: str
    source: str
    title: str
    ref: str | None


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
    reference: ReferenceOut | None = Field(
        None, description="Provisional limits: the reference point they were set against; null if none is named."
    )
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
    band: str | None = Field(
        description="The band the score reaches; the lowest when a statutory rule is not met (capped_by) or the "
        "report is incomplete (complete is false)."
    )
    band_label: str | None
    capped_by: list[str]
    coverage: float | None = Field(description="0-1: the share of the rules that apply that could be assessed.")
    complete: bool = Field(
        description="Whether the report meets its version's completeness rule (national: every statutory rule "
        "that applies assessed, and coverage at least 0.8). An incomplete report keeps its score; its band is the "
        "lowest."
    )
    incomplete_reasons: list[str] = Field(description="Why the report is incomplete, in plain English; empty if not.")
    missing_inputs: list[str]
    counts: dict[str, int]
    domains: list[DomainOut]
    results: list[ResultOut]


class AuditSubmitted(BaseModel):
    """A stored audit and its report."""

    audit: AuditSummary
    report: GapReportOut
