"""Audits that still lack a report against a standards version, read in batches for a rescore run."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from api.storage.queries.latest import AUDITS, REPORTS, SCHOOLS, AnyRow


def select_unscored(*, standards: tuple[str, str], trust_id: str | None) -> sa.Select[Any]:
    """Audits (of one trust, or all) that have no report against ``standards`` yet."""
    has_report = sa.exists().where(
        REPORTS.c.audit_id == AUDITS.c.id,
        REPORTS.c.standards_set == standards[0],
        REPORTS.c.standards_version == standards[1],
    )
    columns = (AUDITS.c.id, AUDITS.c.school_urn, AUDITS.c.body, AUDITS.c.questions_set, AUDITS.c.questions_version)
    query = sa.select(*columns).where(~has_report)
    if trust_id is not None:
        query = query.join(SCHOOLS, SCHOOLS.c.urn == AUDITS.c.school_urn).where(SCHOOLS.c.trust_id == trust_id)
    return query


def count_audits(*, session: Session, trust_id: str | None) -> int:
    """How many audits are stored (of one trust, or in all)."""
    query = sa.select(sa.func.count()).select_from(AUDITS)
    if trust_id is not None:
        query = query.join(SCHOOLS, SCHOOLS.c.urn == AUDITS.c.school_urn).where(SCHOOLS.c.trust_id == trust_id)
    return int(session.execute(query).scalar_one())


def count_unscored(*, session: Session, standards: tuple[str, str], trust_id: str | None) -> int:
    """How many audits still lack a report against ``standards``."""
    unscored = select_unscored(standards=standards, trust_id=trust_id).subquery()
    return int(session.execute(sa.select(sa.func.count()).select_from(unscored)).scalar_one())


def list_unscored(
    *, session: Session, standards: tuple[str, str], trust_id: str | None, after: str, limit: int
) -> list[AnyRow]:
    """The next ``limit`` audits (id, school_urn, body, questions_set, questions_version) after id ``after``
    lacking a report against ``standards``."""
    query = (
        select_unscored(standards=standards, trust_id=trust_id)
        .where(AUDITS.c.id > after)
        .order_by(AUDITS.c.id)
        .limit(limit)
    )
    return list(session.execute(query))
