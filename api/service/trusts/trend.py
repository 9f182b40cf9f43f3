"""The trust's trend: each school's score term by term (its latest complete audit of each term), and the trust's
average per term."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.engine import Engine

from api.rules.catalog import Catalog
from api.service.access import Principal
from api.service.times import iso
from api.service.trusts.common import (
    NO_FILTERS,
    TrustFilters,
    as_date,
    filters_of,
    ref_text,
    require_trust,
    scope_of,
    trust_ref,
)
from api.service.trusts.models import SchoolTrend, TermAverage, TermPoint, TrustTrend
from api.storage.db import session_scope
from api.storage.queries import trends

Season = Literal["autumn", "spring", "summer"]
TERM_NAMES: tuple[Season, Season, Season] = ("autumn", "spring", "summer")


def academic_year(year: int) -> str:
    """'2025/26' for the academic year starting in September 2025."""
    return f"{year}/{(year + 1) % 100:02d}"


def term_label(*, year: int, term: int) -> str:
    """'autumn 2025/26' for term 0 (autumn; 1 spring, 2 summer) of the academic year starting in September 2025."""
    return f"{TERM_NAMES[term]} {academic_year(year)}"


def trend_trust(
    *, engine: Engine, catalog: Catalog, principal: Principal, trust_id: str, filters: TrustFilters = NO_FILTERS
) -> TrustTrend:
    """Each school's score term by term (its latest audit of each term whose report is not incomplete; a newer
    incomplete audit never replaces it) and the trust's average per term.

    Terms are autumn (September to December), spring (January to April) and summer (May to August). Raises
    NotFound (a trust this key may not see) and StandardsNotFound.
    """
    chosen, scope = scope_of(catalog=catalog, trust_id=trust_id, filters=filters)
    with session_scope(engine) as session:
        trust = require_trust(session=session, principal=principal, trust_id=trust_id)
        averages = trends.average_terms(session=session, scope=scope)
        rows = trends.list_term_scores(session=session, scope=scope)
    schools: dict[str, SchoolTrend] = {}
    for row in rows:
        entry = schools.setdefault(row.school_urn, SchoolTrend(urn=row.school_urn, name=row.name, terms=[]))
        entry.terms.append(
            TermPoint(
                term=term_label(year=int(row.year), term=int(row.term)),
                audit_date=iso(as_date(row.audit_date)),
                score=row.score,
                band=row.band,
            )
        )
    return TrustTrend(
        trust=trust_ref(trust),
        standards=ref_text(chosen),
        filters=filters_of(phase=filters.phase, local_authority=filters.local_authority),
        terms=[
            TermAverage(
                term=term_label(year=year, term=term),
                academic_year=academic_year(year),
                season=TERM_NAMES[term],
                average_score=None if average is None else round(average, 1),
                schools=count,
            )
            for year, term, average, count in averages
        ],
        schools=list(schools.values()),
    )
