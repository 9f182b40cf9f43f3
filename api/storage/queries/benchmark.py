"""A school's score ranked among the latest complete scores of a group of schools (its trust, its phase)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from api.storage.queries.latest import Scope, select_latest


def rank_score(
    *, session: Session, scope: Scope, score: float, outside_trust: str | None
) -> tuple[int, int, int, float | None, int]:
    """Where ``score`` falls among the scores of each school's counted (latest complete) report in scope: (schools,
    below, equal, average, schools outside ``outside_trust``: not of that trust, or every school when it is
    None)."""
    latest = select_latest(scope=scope)
    if outside_trust is None:
        outside: sa.ColumnElement[Any] = sa.literal(1)
    else:
        outside = sa.case((sa.and_(latest.c.trust_id.is_not(None), latest.c.trust_id == outside_trust), 0), else_=1)
    query = sa.select(
        sa.func.count(),
        sa.func.sum(sa.case((latest.c.score < score, 1), else_=0)),
        sa.func.sum(sa.case((latest.c.score == score, 1), else_=0)),
        sa.func.avg(latest.c.score),
        sa.func.sum(outside),
    ).where(latest.c.score.is_not(None))
    count, below, equal, average, outsiders = session.execute(query).one()
    return (
        int(count),
        int(below or 0),
        int(equal or 0),
        None if average is None else float(average),
        int(outsiders or 0),
    )
