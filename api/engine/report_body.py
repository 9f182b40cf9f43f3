"""The gap report's JSON form as typed dictionaries: what :meth:`api.engine.report.GapReport.to_dict` returns and
what a stored report body holds (the output contract in the README; ``GapReportOut`` documents it in OpenAPI).
Its ``standards`` entry is :class:`api.rules.catalog.StandardsIdentity`.

``typing_extensions.TypedDict`` so that pydantic models may hold a report body on Python 3.11.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from typing_extensions import TypedDict

from api.rules.catalog import StandardsIdentity


class SchoolBody(TypedDict):
    """The school as the audit names it (URN always; name and phase when answered)."""

    urn: str
    name: str | None
    phase: str | None


class MeasuredBody(TypedDict):
    """What the audit showed for a rule: a number, a date as text, a flag or a choice, and its unit."""

    value: Any
    unit: str | None


class GapBody(TypedDict):
    """How far a finding falls short: the amount in ``unit`` of the audit ``field`` that closes it, and the text."""

    amount: float | int | None
    unit: str | None
    field: str | None
    text: str


class MessageBody(TypedDict):
    """A rule's three-part message: what is missing, why it matters, how to close it."""

    missing: str
    why: str
    how: str


class SourceBody(TypedDict):
    """One citation: the document's title, the paragraph or section, its address, and whether the paragraph
    number is still to be confirmed."""

    source: str
    title: str
    ref: str
    url: str | None
    verify: bool


class ReferenceBody(TypedDict):
    """The reference point of a provisional limit: what typical practice or a published figure is, and where from."""

    text: str
    source: str
    title: str
    ref: str | None


class ResultBody(TypedDict):
    """One rule's finding: the rule's own texts and limits, its status, what was measured and the gap."""

    rule: str
    title: str
    domain: str
    basis: str
    weight: int
    provisional: bool
    status: str
    measured: MeasuredBody
    limits: Mapping[str, Any]
    gap: GapBody | None
    message: MessageBody
    sources: list[SourceBody]
    reference: ReferenceBody | None
    missing_inputs: list[str]
    review_by: str
    overlay_note: str | None


class DomainBody(TypedDict):
    """A domain's score (0–100, one decimal, None when nothing in it was assessed) and its counts by status."""

    id: str
    title: str
    score: float | None
    counts: dict[str, int]


class ReportBody(TypedDict):
    """A whole gap report: score 0–100 (one decimal) or None, band, the statutory rules that cap it, coverage
    0–1, whether it meets the version's completeness rule (and why not, in plain English), the fields to answer
    next, counts by status, domain scores and one result per rule."""

    standards: StandardsIdentity
    school: SchoolBody
    audit_date: str
    score: float | None
    band: str | None
    band_label: str | None
    capped_by: list[str]
    coverage: float | None
    complete: bool
    incomplete_reasons: list[str]
    missing_inputs: list[str]
    counts: dict[str, int]
    domains: list[DomainBody]
    results: list[ResultBody]
