"""The database tables (SQLModel). The same schema runs on SQLite and PostgreSQL; Alembic migrates it.

Audits and reports are never updated: a correction is a new audit that ``replaces`` the old one, and a
report against another standards version is a new report. ``findings`` holds one row per rule of each
report and ``report_domains`` one row per domain, so trust dashboards can aggregate in SQL. On SQLite both are
``WITHOUT ROWID`` tables: their rows are stored in primary-key order, a report's rows side by side.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    """Now, in UTC (timezone-aware)."""
    return dt.datetime.now(dt.UTC)


class TrustRow(SQLModel, table=True):
    """A multi-academy trust (or any group of schools a dashboard looks across)."""

    __tablename__ = "trusts"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class SchoolRow(SQLModel, table=True):
    """A school, by its unique reference number (URN)."""

    __tablename__ = "schools"

    urn: str = Field(primary_key=True, max_length=6)
    name: str = Field(max_length=200)
    phase: str | None = Field(default=None, max_length=40)
    local_authority: str | None = Field(default=None, max_length=100)
    trust_id: str | None = Field(default=None, foreign_key="trusts.id", index=True, max_length=40)
    la_code: str | None = Field(default=None, max_length=10)
    establishment_type: str | None = Field(default=None, max_length=100)
    status: str = Field(default="open", max_length=20)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class AuditRow(SQLModel, table=True):
    """One self-audit as submitted (validated, answered fields only). Never changed once stored."""

    __tablename__ = "audits"
    __table_args__ = (
        sa.Index("ix_audits_school_created", "school_urn", "created_at", "id"),
        # Each school's latest audit is the first entry of this index read backwards, without reading the body.
        sa.Index("ix_audits_school_latest", "school_urn", "audit_date", "created_at", "id"),
    )

    id: str = Field(primary_key=True, max_length=32)
    school_urn: str = Field(foreign_key="schools.urn", max_length=6)
    audit_date: dt.date = Field(index=True)
    replaces_id: str | None = Field(default=None, foreign_key="audits.id", index=True, max_length=32)
    body: dict[str, Any] = Field(sa_type=JSONType)
    submitted_by: str = Field(max_length=40)
    source: str = Field(default="api", max_length=20)
    # The question set the audit answered (and was validated by): a standards version and the sha256 of the file
    # that declares its questions. Rescoring validates the body by these questions, never by today's.
    questions_set: str = Field(max_length=40)
    questions_version: str = Field(max_length=20)
    questions_sha256: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow)


class ReportRow(SQLModel, table=True):
    """A gap report: one audit scored against one standards version. Never overwritten."""

    __tablename__ = "reports"
    __table_args__ = (
        sa.UniqueConstraint("audit_id", "standards_set", "standards_version", name="uq_reports_audit_standards"),
        # Whether an audit's report is incomplete, answered without reading the row (``complete`` follows the body).
        sa.Index("ix_reports_audit_complete", "audit_id", "complete", "standards_set", "standards_version"),
    )

    id: str = Field(primary_key=True, max_length=32)
    audit_id: str = Field(foreign_key="audits.id", index=True, max_length=32)
    school_urn: str = Field(foreign_key="schools.urn", index=True, max_length=6)
    standards_set: str = Field(max_length=40)
    standards_version: str = Field(max_length=20)
    standards_sha256: str = Field(max_length=64)
    score: float | None = None
    band: str | None = Field(default=None, max_length=40)
    capped: bool = False
    coverage: float | None = None
    # Whether the report meets its version's completeness rule; dashboards count a school by its latest complete one.
    complete: bool = True
    body: dict[str, Any] = Field(sa_type=JSONType)
    created_at: dt.datetime = Field(default_factory=utcnow)


class FindingRow(SQLModel, table=True):
    """One rule's outcome in one report, for aggregation across schools."""

    __tablename__ = "findings"
    __table_args__ = {"sqlite_with_rowid": False}

    report_id: str = Field(foreign_key="reports.id", primary_key=True, max_length=32)
    rule: str = Field(primary_key=True, max_length=80)
    domain: str = Field(max_length=40)
    basis: str = Field(max_length=40)
    status: str = Field(max_length=20)
    gap_amount: float | None = None
    gap_unit: str | None = Field(default=None, max_length=40)


class ReportDomainRow(SQLModel, table=True):
    """One domain's score in one report (the engine's, null when no rule of the domain was assessed)."""

    __tablename__ = "report_domains"
    __table_args__ = {"sqlite_with_rowid": False}

    report_id: str = Field(foreign_key="reports.id", primary_key=True, max_length=32)
    domain: str = Field(primary_key=True, max_length=40)
    score: float | None = None


@dataclass(frozen=True, slots=True)
class StoredReport:
    """A gap report as it is stored: its row, one ``findings`` row per rule and one ``report_domains`` row per
    domain (the rows as dicts, for one executemany per table)."""

    report: ReportRow
    findings: list[dict[str, Any]]
    domains: list[dict[str, Any]]


class ApiKeyRow(SQLModel, table=True):
    """An API key: only its sha256 is stored; the key itself is shown once, when created."""

    __tablename__ = "api_keys"

    id: str = Field(primary_key=True, max_length=40)
    secret_sha256: str = Field(max_length=64)
    role: str = Field(max_length=20)
    trust_id: str | None = Field(default=None, foreign_key="trusts.id", max_length=40)
    school_urn: str | None = Field(default=None, foreign_key="schools.urn", max_length=6)
    label: str | None = Field(default=None, max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None


class IdempotencyRow(SQLModel, table=True):
    """A submission made with an ``Idempotency-Key``: a retry with the same key and body gets the same audit.

    Written in the same transaction as the audit, so a key is recorded exactly when its audit is.
    """

    __tablename__ = "idempotency_records"

    key_id: str = Field(primary_key=True, max_length=40)
    idempotency_key: str = Field(primary_key=True, max_length=200)
    request_sha256: str = Field(max_length=64)
    audit_id: str = Field(foreign_key="audits.id", max_length=32)
    created_at: dt.datetime = Field(default_factory=utcnow)


class DraftRow(SQLModel, table=True):
    """A school's unfinished audit: saved from the form, or prefilled from public data. One per school.

    ``body`` may be incomplete or invalid (it is validated only when submitted). ``provenance`` says, for each
    prefilled field path, where its value came from: ``{"pupils.on_roll": {"source": "sen", "file": …,
    "census": "January 2025"}}``, so the form can say "from the January 2025 census, check and correct".
    ``standards`` is the version (``SET@VERSION``) the form was asked to follow, or None: the national version in
    effect on the draft's audit date.
    """

    __tablename__ = "drafts"

    school_urn: str = Field(foreign_key="schools.urn", primary_key=True, max_length=6)
    body: dict[str, Any] = Field(sa_type=JSONType)
    provenance: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    standards: str | None = Field(default=None, max_length=61)
    updated_by: str = Field(max_length=40)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class ImportJobRow(SQLModel, table=True):
    """One run of an import of a public data file (GIAS, SEN statistics or the workforce census)."""

    __tablename__ = "import_jobs"

    id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(max_length=20)
    filename: str = Field(max_length=300)
    status: str = Field(default="queued", max_length=20)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    message: str | None = Field(default=None, max_length=2000)
    requested_by: str = Field(max_length=40)
    created_at: dt.datetime = Field(default_factory=utcnow)
    finished_at: dt.datetime | None = None


class ExceptionRow(SQLModel, table=True):
    """An agreed exception to one rule for one school. Never deleted; withdrawing one records when and by whom."""

    __tablename__ = "rule_exceptions"
    __table_args__ = (sa.Index("ix_rule_exceptions_school_rule", "school_urn", "rule"),)

    id: str = Field(primary_key=True, max_length=32)
    school_urn: str = Field(foreign_key="schools.urn", max_length=6)
    rule: str = Field(max_length=80)
    reason: str = Field(max_length=2000)
    approver_name: str = Field(max_length=200)
    approver_role: str = Field(max_length=200)
    risk: str = Field(max_length=10)
    review_on: dt.date
    expires_on: dt.date
    recorded_by: str = Field(max_length=40)
    created_at: dt.datetime = Field(default_factory=utcnow)
    withdrawn_at: dt.datetime | None = None
    withdrawn_by: str | None = Field(default=None, max_length=40)


class SignOffRow(SQLModel, table=True):
    """A governor's confirmation that they have reviewed a report."""

    __tablename__ = "sign_offs"

    id: str = Field(primary_key=True, max_length=32)
    report_id: str = Field(foreign_key="reports.id", index=True, max_length=32)
    reviewer_name: str = Field(max_length=200)
    note: str | None = Field(default=None, max_length=2000)
    signed_by: str = Field(max_length=40)
    created_at: dt.datetime = Field(default_factory=utcnow)


class ShareLinkRow(SQLModel, table=True):
    """A read-only link to one school's reports for governors, signed, expiring and revocable."""

    __tablename__ = "share_links"

    id: str = Field(primary_key=True, max_length=32)
    school_urn: str = Field(foreign_key="schools.urn", index=True, max_length=6)
    label: str | None = Field(default=None, max_length=200)
    created_by: str = Field(max_length=40)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None
