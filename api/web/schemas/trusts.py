"""Request and response models of the trust dashboards, benchmarks, version impact, exceptions and sign-off."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.web.schemas.reports import GapReportOut

Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Text2000 = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrustRef(BaseModel):
    """The trust a view is about."""

    id: str
    name: str


class Filters(BaseModel):
    """The filters a view was asked for."""

    phase: str | None
    local_authority: str | None


class SchoolCounts(BaseModel):
    """How many schools the figures cover."""

    total: int = Field(description="Schools of the trust matching the filters.")
    with_report: int = Field(description="Schools whose latest audit has a report (against the version asked for).")
    without_report: int = Field(description="Schools left out of the figures: no audit, or no report against it.")
    without_audit: int = Field(description="Schools with no audit at all.")


class StandardsCount(BaseModel):
    """How many latest reports were scored against one standards version."""

    standards: str
    schools: int


class BandCount(BaseModel):
    """Schools in one band."""

    band: str | None
    label: str
    schools: int
    capped: int = Field(description="Of these, schools held in the lowest band by a statutory rule not met.")


class DomainAverage(BaseModel):
    """A domain's score averaged over the schools with a score in it."""

    domain: str
    title: str
    average_score: float
    schools: int


class RuleShortfall(BaseModel):
    """One rule across the trust: how many schools fall short and the summed gap."""

    rule: str
    title: str
    domain: str
    basis: str
    schools_short: int = Field(description="Schools not meeting or only partly meeting the rule.")
    not_met: int
    partially_met: int
    met: int
    not_assessed: int
    not_applicable: int
    gap_total: float | None = Field(description="The gaps of the schools that fall short, added up, in gap_unit.")
    gap_unit: str | None
    text: str | None = Field(description="The shortfall in words, e.g. '4.3 FTE across 9 schools'.")


class TrustSummary(BaseModel):
    """A trust's schools by band, domain averages and shortfalls by rule, from each school's latest report."""

    trust: TrustRef
    standards: str | None = Field(description="The version asked for; null means each school's submission report.")
    filters: Filters
    schools: SchoolCounts
    note: str | None = Field(description="Which schools the figures leave out, and why.")
    standards_used: list[StandardsCount]
    bands: list[BandCount]
    domains: list[DomainAverage]
    rules: list[RuleShortfall]


class TrustSchoolRow(BaseModel):
    """One school of the trust with its latest report."""

    urn: str
    name: str
    phase: str | None
    local_authority: str | None
    audit_id: str | None
    audit_date: str | None
    stale: bool = Field(description="True when the latest audit is more than 12 months old, or there is none.")
    report_id: str | None
    standards: str | None
    score: float | None
    band: str | None
    band_label: str | None
    capped: bool | None
    statutory_failures: int | None = Field(description="Statutory rules not met in the latest report.")
    coverage: float | None
    signed_off: bool = Field(description="Whether a governor has signed off a report of the latest audit.")
    signed_off_by: str | None
    signed_off_at: str | None
    active_exceptions: int = Field(description="Agreed exceptions of the school in force today.")


class TrustSchoolPage(BaseModel):
    """A page of the trust's schools table."""

    trust: TrustRef
    standards: str | None
    sort: str
    total: int = Field(description="Schools matching the filters, on every page.")
    items: list[TrustSchoolRow]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page.")


class TermPoint(BaseModel):
    """A school's score in one term."""

    term: str = Field(description="e.g. 'autumn 2025/26'.")
    audit_date: str | None
    score: float | None
    band: str | None


class SchoolTrend(BaseModel):
    """A school's scores term by term."""

    urn: str
    name: str
    terms: list[TermPoint]


class TermAverage(BaseModel):
    """The trust's average score in one term."""

    term: str
    academic_year: str
    season: Literal["autumn", "spring", "summer"]
    average_score: float | None
    schools: int


class TrustTrend(BaseModel):
    """Scores by school and by term (autumn Sep-Dec, spring Jan-Apr, summer May-Aug)."""

    trust: TrustRef
    standards: str | None
    filters: Filters
    terms: list[TermAverage]
    schools: list[SchoolTrend]


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
    direction: Literal["up", "down", "same", "changed"]

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
    direction: Literal["up", "down", "same", "changed"]
    findings: list[SchoolFindingChange]

    model_config = ConfigDict(populate_by_name=True)


class BenchmarkSchool(BaseModel):
    """The school benchmarked."""

    urn: str
    name: str
    phase: str | None
    trust_id: str | None


class BenchmarkGroup(BaseModel):
    """The school against one group of schools."""

    group: Literal["trust", "phase"]
    label: str
    available: bool
    message: str | None = Field(description="Why a comparison is not shown, e.g. 'not enough schools to compare'.")
    schools: int | None
    percentile: int | None = Field(description="Share of the group's other schools scoring lower (ties count half).")
    average_score: float | None


class Benchmark(BaseModel):
    """A school's latest score against its trust and against every school of its phase, on the same version."""

    school: BenchmarkSchool
    standards: str
    audit_id: str
    audit_date: str | None
    score: float
    band: str | None
    groups: list[BenchmarkGroup]


class ExceptionIn(_In):
    """An agreed exception to one rule."""

    rule: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]{0,79}$")] = Field(
        description="The rule's id, e.g. environment.sensory-space."
    )
    reason: Text2000
    approver_name: Text200
    approver_role: Text200
    risk: Literal["low", "medium", "high"]
    review_on: dt.date = Field(description="When the exception is to be reviewed (on or before expires_on).")
    expires_on: dt.date = Field(description="The last day the exception counts.")


class ExceptionOut(BaseModel):
    """An agreed exception, with its state today."""

    id: str
    school_urn: str
    rule: str
    reason: str
    approver_name: str
    approver_role: str
    risk: str
    review_on: str
    expires_on: str
    recorded_by: str = Field(description="The id of the API key that recorded it.")
    recorded_at: str | None
    withdrawn_at: str | None
    withdrawn_by: str | None = Field(
        description="The id of the API key that withdrew it (null if it is not withdrawn, or was withdrawn before "
        "this was recorded)."
    )
    state: Literal["active", "expired", "withdrawn"]
    counted: bool = Field(description="Whether it leaves its rule out of the adjusted score today.")
    expired: bool
    review_due: bool


class ReportException(ExceptionOut):
    """An exception as listed beside a report."""

    in_report: bool = Field(description="Whether the report has the rule at all.")


class AdjustedReport(BaseModel):
    """A report's raw score beside its score with agreed exceptions left out, and the exceptions."""

    audit_id: str
    standards: str
    raw_score: float | None
    raw_band: str | None
    adjusted_score: float | None
    adjusted_band: str | None
    adjusted_band_label: str | None
    adjusted_capped_by: list[str]
    excluded_rules: list[str]
    note: str
    exceptions: list[ReportException]
    report: GapReportOut


class SignOffIn(_In):
    """A governor's confirmation of having reviewed a report."""

    reviewer_name: Text200
    note: Annotated[str, StringConstraints(max_length=2000, strip_whitespace=True)] | None = None


class SignOffOut(BaseModel):
    """A sign-off."""

    id: str
    audit_id: str
    report_id: str
    standards: str
    reviewer_name: str
    note: str | None
    signed_by: str = Field(description="The id of the API key that signed off.")
    signed_at: str | None
