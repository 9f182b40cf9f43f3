"""The typed results of the trust dashboards: summary, schools table, trend, benchmark and overview.

These are the routes' response models as they are (their class names are the OpenAPI schema names), so the
service and the API share one definition of each shape.

Each school is counted by its *counted audit*: its latest audit whose report (against the version read) is not
incomplete. A newer, incomplete audit (a near-empty upload, say) is left out of every figure and only flagged.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


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
    with_report: int = Field(
        description="Schools counted: their latest complete audit has a report (against the version asked for)."
    )
    without_report: int = Field(
        description="Schools left out of the figures: no audit, no complete audit, or no report against it."
    )
    without_audit: int = Field(description="Schools with no audit at all.")
    without_complete_audit: int = Field(
        description="Schools with audits but no complete one (against the version asked for): counted as having no "
        "complete audit and left out of the figures."
    )
    newer_incomplete: int = Field(
        description="Schools counted by an earlier complete audit because their newest audit is incomplete."
    )


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
    """A trust's schools by band, domain averages and shortfalls by rule, from each school's latest complete
    report."""

    trust: TrustRef
    standards: str | None = Field(description="The version asked for; null means each school's submission report.")
    filters: Filters
    schools: SchoolCounts
    note: str | None = Field(
        description="Which schools the figures leave out, and why, and which are counted by an earlier complete audit."
    )
    standards_used: list[StandardsCount]
    bands: list[BandCount]
    domains: list[DomainAverage]
    rules: list[RuleShortfall]


class TrustSchoolRow(BaseModel):
    """One school of the trust with its counted audit (its latest complete one) and that audit's report, and the
    newer audit left out as incomplete, if any."""

    urn: str
    name: str
    phase: str | None
    local_authority: str | None
    audit_id: str | None = Field(
        description="The audit the school is counted by: its latest whose report is not incomplete (null: none)."
    )
    audit_date: str | None
    stale: bool = Field(description="True when the counted audit is more than 12 months old, or there is none.")
    report_id: str | None
    standards: str | None
    score: float | None
    band: str | None
    band_label: str | None
    capped: bool | None
    statutory_failures: int | None = Field(description="Statutory rules not met in the counted report.")
    coverage: float | None
    signed_off: bool = Field(description="Whether a governor has signed off a report of the counted audit.")
    signed_off_by: str | None
    signed_off_at: str | None
    active_exceptions: int = Field(description="Agreed exceptions of the school in force today.")
    newer_incomplete_audit_id: str | None = Field(
        description="The school's newest audit when its report is incomplete, so that it is not counted (newer than "
        "the counted audit, if there is one); null otherwise.",
    )
    newer_incomplete_on: str | None = Field(
        description="That incomplete audit's date (YYYY-MM-DD); null when there is none."
    )


class TrustSchoolPage(BaseModel):
    """A page of the trust's schools table."""

    trust: TrustRef
    standards: str | None
    sort: str
    total: int = Field(description="Schools matching the filters, on every page.")
    items: list[TrustSchoolRow]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page.")


class TermPoint(BaseModel):
    """A school's score in one term: its latest complete audit of the term."""

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
    """A school's latest complete score against its trust and against every school of its phase, on the same
    version (each school counted by its latest complete audit)."""

    school: BenchmarkSchool
    standards: str
    audit_id: str = Field(description="The audit compared: the school's latest whose report is not incomplete.")
    audit_date: str | None
    score: float
    band: str | None
    groups: list[BenchmarkGroup]
    newer_incomplete_audit_id: str | None = Field(
        description="The school's newer audit left out because its report is incomplete; or null."
    )
    newer_incomplete_on: str | None = Field(
        description="That incomplete audit's date (YYYY-MM-DD); null when there is none."
    )


class DomainCell(BaseModel):
    """A school's band and score in one domain of the overview heat map."""

    id: str = Field(description="The band's id.")
    label: str
    score: float


class OverviewSchool(TrustSchoolRow):
    """A row of the overview heat map: the schools-table row and the school's band in each domain."""

    domains: dict[str, DomainCell | None] = Field(description="By domain id; null where nothing was assessed.")


class TrustOverview(BaseModel):
    """Every school of a trust with its counted (latest complete) report's band in each domain (the overview page's
    heat map)."""

    trust: TrustRef
    domains: dict[str, str] = Field(description="Each domain's title, by id, in the standards' order.")
    schools: list[OverviewSchool]
    bands: list[str] = Field(description="The band labels of the newest national version, lowest first.")
