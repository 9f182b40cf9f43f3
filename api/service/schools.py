"""Use cases for trusts and schools: create or update (admin), and read (anyone allowed to see the school).

The models here are also the REST API's: ``TrustIn``/``TrustOut`` and ``SchoolIn``/``SchoolOut`` keep the names
the OpenAPI document gives them, so routes, pages and the command line share one shape.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy.engine import Engine

from api.contract.kinds import URN_PATTERN, Phase
from api.errors import NotFound
from api.service.access import Principal, Role, require_admin, require_school
from api.storage import repository
from api.storage.db import session_scope
from api.storage.tables import ReportRow

TrustId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")]
Urn = Annotated[str, StringConstraints(pattern=URN_PATTERN)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrustIn(_In):
    """A trust to create or update."""

    name: Name


class TrustOut(BaseModel):
    """A trust."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str


class SchoolIn(_In):
    """A school to create or update, with its trust."""

    name: Name
    phase: Phase | None = None
    local_authority: Annotated[str, StringConstraints(max_length=100)] | None = None
    trust_id: TrustId | None = None
    la_code: Annotated[str, StringConstraints(pattern=r"^\d{3}$")] | None = None
    establishment_type: Annotated[str, StringConstraints(max_length=100)] | None = None
    status: Literal["open", "closed"] = "open"


class SchoolOut(BaseModel):
    """A school."""

    model_config = ConfigDict(from_attributes=True)

    urn: str
    name: str
    phase: str | None
    local_authority: str | None
    trust_id: str | None
    la_code: str | None
    establishment_type: str | None
    status: str


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One audit of a school with the report made when it was submitted.

    ``score`` is 0-100 (None when nothing could be assessed); ``standards`` is ``SET@VERSION``; ``report`` is
    the report's JSON form (:meth:`api.engine.report.GapReport.to_dict`).
    """

    audit_id: str
    audit_date: dt.date
    replaces_id: str | None
    score: float | None
    standards: str
    report: dict[str, Any]


def _ref(report: ReportRow) -> str:
    return f"{report.standards_set}@{report.standards_version}"


def put_trust(*, engine: Engine, principal: Principal, trust_id: str, name: str) -> tuple[TrustOut, bool]:
    """Create or update a trust (admin only); returns it and whether it was created. Raises Forbidden."""
    require_admin(principal)
    with session_scope(engine) as session:
        row, created = repository.put_trust(session=session, trust_id=trust_id, name=name)
        return TrustOut.model_validate(row), created


def put_school(*, engine: Engine, principal: Principal, urn: str, fields: dict[str, Any]) -> tuple[SchoolOut, bool]:
    """Create or update a school and its trust link (admin only), from the fields of a :class:`SchoolIn`.

    Returns the school and whether it was created. Raises Forbidden for a key that is not admin, NotFound when
    the trust does not exist.
    """
    require_admin(principal)
    with session_scope(engine) as session:
        trust_id = fields.get("trust_id")
        if trust_id is not None and repository.get_trust(session=session, trust_id=trust_id) is None:
            raise NotFound(f"there is no trust {trust_id}; create it first with PUT /v1/trusts/{trust_id}")
        row, created = repository.put_school(session=session, urn=urn, fields=fields)
        return SchoolOut.model_validate(row), created


def get_school(*, engine: Engine, principal: Principal, urn: str) -> SchoolOut:
    """A school this key may see; raises NotFound otherwise."""
    with session_scope(engine) as session:
        return SchoolOut.model_validate(require_school(session=session, principal=principal, urn=urn))


def visible_schools(*, engine: Engine, principal: Principal) -> list[SchoolOut]:
    """Every school this key may see, by name (none raises nothing: an empty list)."""
    with session_scope(engine) as session:
        if principal.role is Role.admin:
            rows = repository.list_schools(session=session)
        elif principal.role is Role.trust:
            rows = repository.list_schools(session=session, trust_id=principal.trust_id)
        else:
            rows = repository.list_schools(session=session, urn=principal.school_urn)
        return [SchoolOut.model_validate(row) for row in rows]


def school_history(*, engine: Engine, principal: Principal, urn: str, limit: int = 50) -> list[HistoryEntry]:
    """A school's last ``limit`` audits with the report made at submission, newest first; raises NotFound."""
    with session_scope(engine) as session:
        require_school(session=session, principal=principal, urn=urn)
        pairs = repository.list_reports_for_school(session=session, urn=urn, limit=limit)
    return [
        HistoryEntry(audit.id, audit.audit_date, audit.replaces_id, report.score, _ref(report), report.body)
        for audit, report in pairs
    ]
