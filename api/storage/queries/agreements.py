"""Reads of agreed exceptions and governors' sign-offs (their writes are in :mod:`api.storage.repository`)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from api.storage.queries.latest import REPORTS
from api.storage.tables import ExceptionRow, SignOffRow


def get_exception(*, session: Session, exception_id: str) -> ExceptionRow | None:
    """The exception with this id, if any."""
    return session.get(ExceptionRow, exception_id)


def list_exceptions(*, session: Session, urn: str) -> list[ExceptionRow]:
    """Every exception a school has recorded (withdrawn and expired ones too), newest first."""
    query = (
        select(ExceptionRow)
        .where(ExceptionRow.school_urn == urn)
        .order_by(col(ExceptionRow.created_at).desc(), col(ExceptionRow.id).desc())
    )
    return list(session.exec(query))


def list_sign_offs(*, session: Session, audit_id: str) -> list[tuple[SignOffRow, str]]:
    """Every sign-off of any report of an audit, with that report's 'set@version', newest first."""
    query = (
        select(SignOffRow, REPORTS.c.standards_set, REPORTS.c.standards_version)
        .join(REPORTS, REPORTS.c.id == col(SignOffRow.report_id))
        .where(REPORTS.c.audit_id == audit_id)
        .order_by(col(SignOffRow.created_at).desc(), col(SignOffRow.id).desc())
    )
    return [(sign_off, f"{name}@{version}") for sign_off, name, version in session.exec(query)]
