"""The typed results of comparing two standards versions (version impact), for a trust and for one school.

These are the routes' response models as they are (their class names are the OpenAPI schema names).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.service.trusts.models import Filters, TrustRef

Direction = Literal["up", "down", "same", "changed"]


class ReportBrief(BaseModel):
    """A report's score and band."""

    score: float | None
    band: str | None
    capped: bool


class SchoolChange(BaseModel):
    """One school under two standards versions."""

    urn: str
    name: str
    audit_id: str
    audit_date: str | None
    from_: ReportBrief = Field(alias="from")
    to: ReportBrief
    band_changed: bool
    direction: Direction

    model_config = ConfigDict(populate_by_name=True)


class SchoolLacking(BaseModel):
    """A school left out of a comparison for want of a stored report."""

    urn: str
    name: str
    missing: list[str]


class FindingChange(BaseModel):
    """A rule whose status changes for some schools."""

    rule: str
    title: str
    from_status: str | None = Field(description="Null where the rule is new in the later version.")
    to_status: str | None = Field(description="Null where the rule is gone from the later version.")
    schools: int


class TrustImpact(BaseModel):
    """What changes for the trust's schools from one standards version to another."""

    trust: TrustRef
    from_: str = Field(alias="from")
    to: str
    filters: Filters
    summary: str
    schools_compared: int
    band_changes: int
    moved_up: int
    moved_down: int
    schools: list[SchoolChange]
    lacking: list[SchoolLacking]
    findings: list[FindingChange]

    model_config = ConfigDict(populate_by_name=True)


class SchoolRef(BaseModel):
    """A school."""

    urn: str
    name: str


class SchoolFindingChange(BaseModel):
    """One rule of one school under two versions."""

    rule: str
    title: str
    from_status: str | None
    to_status: str | None
    from_gap: float | None
    to_gap: float | None
    gap_unit: str | None


class SchoolImpact(BaseModel):
    """What changes for one school's latest audit from one version to another."""

    school: SchoolRef
    from_: str = Field(alias="from")
    to: str
    audit_id: str
    audit_date: str | None
    from_report: ReportBrief
    to_report: ReportBrief
    band_changed: bool
    direction: Direction
    findings: list[SchoolFindingChange]

    model_config = ConfigDict(populate_by_name=True)
