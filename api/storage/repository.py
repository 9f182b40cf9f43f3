"""Data access: keyword-only functions named ``verb_noun``, each a few queries, no web or policy code."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.storage.db import EncodedJSON
from api.storage.tables import (
    ApiKeyRow,
    AuditRow,
    DraftRow,
    ExceptionRow,
    FindingRow,
    IdempotencyRow,
    ImportJobRow,
    ReportDomainRow,
    ReportRow,
    SchoolRow,
    ShareLinkRow,
    SignOffRow,
    StoredReport,
    TrustRow,
    utcnow,
)


def get_trust(*, session: Session, trust_id: str) -> TrustRow | None:
    """The trust with this id, if any."""
    return session.get(TrustRow, trust_id)


def put_trust(*, session: Session, trust_id: str, name: str) -> tuple[TrustRow, bool]:
    """Create or update a trust; returns it and whether it was created."""
    row = session.get(TrustRow, trust_id)
    created = row is None
    if row is None:
        row = TrustRow(id=trust_id, name=name)
    else:
        row.name = name
        row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row, created


def get_school(*, session: Session, urn: str) -> SchoolRow | None:
    """The school with this URN, if any."""
    return session.get(SchoolRow, urn)


def put_school(*, session: Session, urn: str, fields: dict[str, Any]) -> tuple[SchoolRow, bool]:
    """Create or update a school from ``fields`` (name, phase, local_authority, trust_id, status)."""
    row = session.get(SchoolRow, urn)
    created = row is None
    if row is None:
        row = SchoolRow(urn=urn, **fields)
    else:
        for name, value in fields.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row, created


def get_idempotency(*, session: Session, key_id: str, idempotency_key: str) -> IdempotencyRow | None:
    """The recorded submission for this API key and idempotency key, if any."""
    return session.get(IdempotencyRow, (key_id, idempotency_key))


def save_submission(
    *,
    session: Session,
    audit: AuditRow,
    stored: StoredReport,
    idempotency: IdempotencyRow | None = None,
) -> None:
    """Store an audit with its report (findings and domain scores) and the idempotency record, in the caller's
    transaction. Plain inserts (no unit of work): one statement per table."""
    session.execute(AuditRow.__table__.insert(), [_values(audit)])  # type: ignore[attr-defined]
    insert_reports(session=session, reports=[stored])
    if idempotency is not None:
        session.execute(IdempotencyRow.__table__.insert(), [_values(idempotency)])  # type: ignore[attr-defined]


def insert_reports(*, session: Session, reports: Sequence[StoredReport]) -> None:
    """Store reports of stored audits with their findings and domain scores, one executemany per table, in the
    caller's transaction. A report body already encoded as JSON text is stored as it is on SQLite."""
    if not reports:
        return
    decode = session.get_bind().dialect.name != "sqlite"  # psycopg's JSONB adapter takes objects, not JSON text
    rows = []
    for stored in reports:
        values = _values(stored.report)
        if decode and isinstance(values["body"], EncodedJSON):
            values["body"] = json.loads(values["body"])
        rows.append(values)
    session.execute(ReportRow.__table__.insert(), rows)  # type: ignore[attr-defined]
    findings = [finding for stored in reports for finding in stored.findings]
    if findings:
        session.execute(FindingRow.__table__.insert(), findings)  # type: ignore[attr-defined]
    domains = [domain for stored in reports for domain in stored.domains]
    if domains:
        session.execute(ReportDomainRow.__table__.insert(), domains)  # type: ignore[attr-defined]


def _values(row: Any) -> dict[str, Any]:
    """A model's column values, for a plain insert."""
    return {column.name: getattr(row, column.name) for column in row.__table__.columns}


def get_audit(*, session: Session, audit_id: str) -> AuditRow | None:
    """The audit with this id, if any."""
    return session.get(AuditRow, audit_id)


def list_audits(
    *, session: Session, urn: str, limit: int, before: tuple[dt.datetime, str] | None = None
) -> list[AuditRow]:
    """A school's audits, newest first; ``before`` is the (created_at, id) of the last item already seen."""
    query = select(AuditRow).where(AuditRow.school_urn == urn)
    if before is not None:
        created_at, audit_id = before
        query = query.where(
            sa.or_(
                col(AuditRow.created_at) < created_at,
                sa.and_(col(AuditRow.created_at) == created_at, col(AuditRow.id) < audit_id),
            )
        )
    query = query.order_by(col(AuditRow.created_at).desc(), col(AuditRow.id).desc()).limit(limit)
    return list(session.exec(query))


def get_report(*, session: Session, audit_id: str, standards_set: str, standards_version: str) -> ReportRow | None:
    """The stored report of an audit against one standards version, if any."""
    query = select(ReportRow).where(
        ReportRow.audit_id == audit_id,
        ReportRow.standards_set == standards_set,
        ReportRow.standards_version == standards_version,
    )
    return session.exec(query).first()


def get_first_report(*, session: Session, audit_id: str) -> ReportRow | None:
    """The report made when the audit was submitted."""
    query = (
        select(ReportRow)
        .where(ReportRow.audit_id == audit_id)
        .order_by(col(ReportRow.created_at), col(ReportRow.id))
        .limit(1)
    )
    return session.exec(query).first()


def get_stored_report(*, session: Session, audit_id: str, standards: tuple[str, str] | None) -> ReportRow | None:
    """The report made when the audit was submitted (``standards`` None) or its stored report against
    (set, version), if any."""
    if standards is None:
        return get_first_report(session=session, audit_id=audit_id)
    return get_report(session=session, audit_id=audit_id, standards_set=standards[0], standards_version=standards[1])


def count_audits(*, session: Session, urn: str | None = None) -> int:
    """How many audits are stored (for one school, or in all)."""
    query = select(sa.func.count()).select_from(AuditRow)
    if urn is not None:
        query = query.where(AuditRow.school_urn == urn)
    return int(session.exec(query).one())


def get_key(*, session: Session, key_id: str) -> ApiKeyRow | None:
    """The API key with this public id, if any."""
    return session.get(ApiKeyRow, key_id)


def save_key(*, session: Session, key: ApiKeyRow) -> None:
    """Store a new API key."""
    session.add(key)
    session.flush()


def list_keys(*, session: Session) -> list[ApiKeyRow]:
    """Every API key, newest first."""
    return list(session.exec(select(ApiKeyRow).order_by(col(ApiKeyRow.created_at).desc())))


def list_schools(*, session: Session, trust_id: str | None = None, urn: str | None = None) -> list[SchoolRow]:
    """Schools by name: all of them, a trust's, or the one with ``urn``."""
    query = select(SchoolRow)
    if trust_id is not None:
        query = query.where(SchoolRow.trust_id == trust_id)
    if urn is not None:
        query = query.where(SchoolRow.urn == urn)
    return list(session.exec(query.order_by(col(SchoolRow.name))))


def get_draft(*, session: Session, urn: str) -> DraftRow | None:
    """A school's draft audit, if it has one."""
    return session.get(DraftRow, urn)


def put_draft(*, session: Session, draft: DraftRow) -> None:
    """Create or replace a school's draft."""
    session.merge(draft)
    session.flush()


def delete_draft(*, session: Session, urn: str) -> None:
    """Remove a school's draft (after it has been submitted)."""
    row = session.get(DraftRow, urn)
    if row is not None:
        session.delete(row)


def save_share(*, session: Session, share: ShareLinkRow) -> None:
    """Store a new share link."""
    session.add(share)
    session.flush()


def get_share(*, session: Session, share_id: str) -> ShareLinkRow | None:
    """The share link with this id, if any."""
    return session.get(ShareLinkRow, share_id)


def list_shares(*, session: Session, urn: str) -> list[ShareLinkRow]:
    """A school's share links, newest first."""
    query = select(ShareLinkRow).where(ShareLinkRow.school_urn == urn).order_by(col(ShareLinkRow.created_at).desc())
    return list(session.exec(query))


def save_exception(*, session: Session, row: ExceptionRow) -> None:
    """Store a new agreed exception (withdrawing one is a change to its row, flushed with the session)."""
    session.add(row)
    session.flush()


def save_sign_off(*, session: Session, row: SignOffRow) -> None:
    """Store a governor's sign-off of a report."""
    session.add(row)
    session.flush()


def list_reports_for_school(*, session: Session, urn: str, limit: int = 50) -> list[tuple[AuditRow, ReportRow]]:
    """A school's audits with the report made when each was submitted, newest audit first."""
    first_report = (
        select(ReportRow.audit_id, sa.func.min(ReportRow.created_at).label("first"))
        .group_by(col(ReportRow.audit_id))
        .subquery()
    )
    query = (
        select(AuditRow, ReportRow)
        .join(first_report, first_report.c.audit_id == AuditRow.id)
        .join(
            ReportRow,
            sa.and_(col(ReportRow.audit_id) == AuditRow.id, col(ReportRow.created_at) == first_report.c.first),
        )
        .where(AuditRow.school_urn == urn)
        .order_by(col(AuditRow.audit_date).desc(), col(AuditRow.created_at).desc())
        .limit(limit)
    )
    return [(audit, report) for audit, report in session.exec(query)]


# ---------------------------------------------------------------------------------------------- imports of public data


BulkTable = type[SchoolRow] | type[TrustRow] | type[DraftRow]


def get_school_values(*, session: Session, urns: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The stored fields (not the timestamps) of the schools among ``urns`` that exist, as plain values by URN."""
    if not urns:
        return {}
    table = sa.inspect(SchoolRow).local_table
    fields = [column for column in table.c if column.name not in ("created_at", "updated_at")]
    query = sa.select(*fields).where(table.c.urn.in_(list(urns)))
    return {row["urn"]: dict(row) for row in session.execute(query).mappings()}


def get_trust_names(*, session: Session, trust_ids: Sequence[str]) -> dict[str, str]:
    """The names of the trusts among ``trust_ids`` that exist, by id."""
    if not trust_ids:
        return {}
    query = sa.select(col(TrustRow.id), col(TrustRow.name)).where(col(TrustRow.id).in_(list(trust_ids)))
    return {row.id: row.name for row in session.execute(query)}


def get_draft_values(*, session: Session, urns: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The body and provenance of the drafts of the schools among ``urns`` that have one, by URN."""
    if not urns:
        return {}
    query = sa.select(col(DraftRow.school_urn), col(DraftRow.body), col(DraftRow.provenance)).where(
        col(DraftRow.school_urn).in_(list(urns))
    )
    return {urn: {"body": body, "provenance": provenance} for urn, body, provenance in session.execute(query)}


def insert_rows(*, session: Session, table: BulkTable, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many new rows of one table from plain column values (all with the same keys), in batched INSERTs."""
    if rows:
        mapper = sa.inspect(table)
        # RETURNING makes SQLAlchemy send multi-row INSERTs ("insertmanyvalues"), not a statement per row
        statement = sa.insert(mapper.local_table).returning(*mapper.primary_key)
        session.execute(statement, list(rows)).close()


def update_rows(*, session: Session, table: BulkTable, rows: Sequence[dict[str, Any]]) -> None:
    """Update many rows of one table by primary key; each item (all with the same keys) holds the key and new values."""
    if not rows:
        return
    mapper = sa.inspect(table)
    (key,) = mapper.primary_key
    names = [name for name in rows[0] if name != key.name]
    statement = (
        sa.update(mapper.local_table)
        .where(key == sa.bindparam("key_"))
        .values({name: sa.bindparam(f"new_{name}") for name in names})
    )
    session.execute(statement, [{"key_": row[key.name], **{f"new_{n}": row[n] for n in names}} for row in rows])


def save_import_job(*, session: Session, job: ImportJobRow) -> None:
    """Store a new import job, or the changes to one."""
    session.add(job)
    session.flush()


def get_import_job(*, session: Session, job_id: str) -> ImportJobRow | None:
    """The import job with this id, if any."""
    return session.get(ImportJobRow, job_id)


def list_domain_scores(*, session: Session, report_ids: Sequence[str]) -> dict[str, dict[str, float | None]]:
    """Each of these reports' domain scores (domain id to score, null where nothing was assessed), by report id."""
    if not report_ids:
        return {}
    query = select(ReportDomainRow).where(col(ReportDomainRow.report_id).in_(list(report_ids)))
    scores: dict[str, dict[str, float | None]] = {}
    for row in session.exec(query):
        scores.setdefault(row.report_id, {})[row.domain] = row.score
    return scores
