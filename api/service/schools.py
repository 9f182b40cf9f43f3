"""Use cases for trusts and schools: create or update (admin), and read (anyone allowed to see the school)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from api.errors import NotFound
from api.service.access import Principal, Role, require_admin, require_school
from api.storage import repository
from api.storage.db import session_scope
from api.storage.tables import SchoolRow, TrustRow


def trust_view(row: TrustRow) -> dict[str, Any]:
    """A trust as the API shows it."""
    return {"id": row.id, "name": row.name}


def school_view(row: SchoolRow) -> dict[str, Any]:
    """A school as the API shows it."""
    return {
        "urn": row.urn,
        "name": row.name,
        "phase": row.phase,
        "local_authority": row.local_authority,
        "trust_id": row.trust_id,
        "la_code": row.la_code,
        "establishment_type": row.establishment_type,
        "status": row.status,
    }


def put_trust(*, engine: Engine, principal: Principal, trust_id: str, name: str) -> tuple[dict[str, Any], bool]:
    """Create or update a trust (admin only); returns it and whether it was created."""
    require_admin(principal)
    with session_scope(engine) as session:
        row, created = repository.put_trust(session=session, trust_id=trust_id, name=name)
        return trust_view(row), created


def put_school(
    *, engine: Engine, principal: Principal, urn: str, fields: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """Create or update a school and its trust link (admin only); the trust must exist."""
    require_admin(principal)
    with session_scope(engine) as session:
        trust_id = fields.get("trust_id")
        if trust_id is not None and repository.get_trust(session=session, trust_id=trust_id) is None:
            raise NotFound(f"there is no trust {trust_id}; create it first with PUT /v1/trusts/{trust_id}")
        row, created = repository.put_school(session=session, urn=urn, fields=fields)
        return school_view(row), created


def get_school(*, engine: Engine, principal: Principal, urn: str) -> dict[str, Any]:
    """A school this key may see."""
    with session_scope(engine) as session:
        return school_view(require_school(session=session, principal=principal, urn=urn))


def visible_schools(*, engine: Engine, principal: Principal) -> list[dict[str, Any]]:
    """Every school this key may see, by name."""
    with session_scope(engine) as session:
        if principal.role is Role.admin:
            rows = repository.list_schools(session=session)
        elif principal.role is Role.trust:
            rows = repository.list_schools(session=session, trust_id=principal.trust_id)
        else:
            rows = repository.list_schools(session=session, urn=principal.school_urn)
        return [school_view(row) for row in rows]


def school_history(*, engine: Engine, principal: Principal, urn: str, limit: int = 50) -> list[dict[str, Any]]:
    """A school's audits with the score and band of the report made at submission, newest first."""
    with session_scope(engine) as session:
        require_school(session=session, principal=principal, urn=urn)
        pairs = repository.list_reports_for_school(session=session, urn=urn, limit=limit)
    return [
        {
            "audit_id": audit.id,
            "audit_date": audit.audit_date,
            "created_at": audit.created_at,
            "replaces_id": audit.replaces_id,
            "source": audit.source,
            "score": report.score,
            "band": report.band,
            "standards": f"{report.standards_set}@{report.standards_version}",
            "report": report.body,
        }
        for audit, report in pairs
    ]
