"""What a trust's dashboards show has changed exactly when this state has: the material of their ETags."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from api.storage.queries.latest import AUDITS, EXCEPTIONS, REPORTS, SCHOOLS, SIGN_OFFS


def get_trust_state(*, session: Session, trust_id: str) -> tuple[Any, ...]:
    """What a trust's dashboard shows has changed exactly when one of these has, found by one cheap query.

    Audits, reports and sign-offs are only ever inserted, so their counts change with every change to them;
    schools change in place (their ``updated_at``) and exceptions when withdrawn (``withdrawn_at``). The counts come
    from indexes; no report body is read (SQLite stores a report's ``created_at`` after its body).
    """
    in_trust = SCHOOLS.c.trust_id == trust_id
    signed = REPORTS.alias("signed")

    def scalar(column: Any, source: sa.FromClause) -> sa.ScalarSelect[Any]:
        return sa.select(column).select_from(source).where(in_trust).scalar_subquery()

    audits = AUDITS.join(SCHOOLS, SCHOOLS.c.urn == AUDITS.c.school_urn)
    reports = REPORTS.join(SCHOOLS, SCHOOLS.c.urn == REPORTS.c.school_urn)
    sign_offs = SIGN_OFFS.join(signed, signed.c.id == SIGN_OFFS.c.report_id).join(
        SCHOOLS, SCHOOLS.c.urn == signed.c.school_urn
    )
    exceptions = EXCEPTIONS.join(SCHOOLS, SCHOOLS.c.urn == EXCEPTIONS.c.school_urn)
    query = sa.select(
        scalar(sa.func.count(SCHOOLS.c.urn), SCHOOLS),
        scalar(sa.func.max(SCHOOLS.c.updated_at), SCHOOLS),
        scalar(sa.func.count(AUDITS.c.school_urn), audits),
        scalar(sa.func.count(REPORTS.c.school_urn), reports),
        scalar(sa.func.count(SIGN_OFFS.c.report_id), sign_offs),
        scalar(sa.func.count(EXCEPTIONS.c.school_urn), exceptions),
        scalar(sa.func.max(EXCEPTIONS.c.withdrawn_at), exceptions),
    )
    return tuple(session.execute(query).one())
