"""Governors' sign-offs: recording that a governor has reviewed a report, and listing an audit's sign-offs."""

from __future__ import annotations

import uuid

from sqlalchemy.engine import Engine

from api.errors import Forbidden, NotFound
from api.rules.catalog import split_ref
from api.service import audits
from api.service.access import Principal, Role
from api.service.agreements.models import SignOffOut
from api.service.times import iso
from api.storage import repository
from api.storage.db import session_scope
from api.storage.queries import agreements
from api.storage.tables import SignOffRow


def sign_off_view(row: SignOffRow, *, audit_id: str, standards: str) -> SignOffOut:
    """A sign-off as the API shows it (``standards`` is the report's SET@VERSION)."""
    return SignOffOut(
        id=row.id,
        audit_id=audit_id,
        report_id=row.report_id,
        standards=standards,
        reviewer_name=row.reviewer_name,
        note=row.note,
        signed_by=row.signed_by,
        signed_at=iso(row.created_at),
    )


def sign_off_report(
    *,
    engine: Engine,
    principal: Principal,
    audit_id: str,
    reviewer_name: str,
    note: str | None = None,
    standards: str | None = None,
) -> SignOffOut:
    """Record that a governor has reviewed an audit's stored report (the submission report unless SET@VERSION
    ``standards``).

    Raises NotFound (an audit this key may not see, or no stored report against ``standards``) and Forbidden
    (a key that is neither a governor's nor an admin's).
    """
    audits.get_audit(engine=engine, principal=principal, audit_id=audit_id)  # access check
    if principal.role not in (Role.governor, Role.admin):
        raise Forbidden("only a governor key can sign off a report: the sign-off says a governor has reviewed it")
    with session_scope(engine) as session:
        wanted = split_ref(standards) if standards is not None else None
        report = repository.get_stored_report(session=session, audit_id=audit_id, standards=wanted)
        if report is None:
            raise NotFound(f"audit {audit_id} has no stored report against {standards}; there is nothing to sign off")
        row = SignOffRow(
            id=uuid.uuid4().hex,
            report_id=report.id,
            reviewer_name=reviewer_name,
            note=note,
            signed_by=principal.key_id,
        )
        repository.save_sign_off(session=session, row=row)
        return sign_off_view(row, audit_id=audit_id, standards=f"{report.standards_set}@{report.standards_version}")


def list_report_sign_offs(*, engine: Engine, principal: Principal, audit_id: str) -> list[SignOffOut]:
    """Every sign-off of an audit's reports, newest first. Raises NotFound (an audit this key may not see)."""
    audits.get_audit(engine=engine, principal=principal, audit_id=audit_id)  # access check
    with session_scope(engine) as session:
        pairs = agreements.list_sign_offs(session=session, audit_id=audit_id)
    return [sign_off_view(row, audit_id=audit_id, standards=standards) for row, standards in pairs]
