"""Scores by term: each school's latest complete audit of each term, and the average per term."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from api.storage.queries.latest import (
    AUDITS,
    REPORTS,
    SCHOOLS,
    AnyRow,
    Scope,
    select_incomplete,
    select_replaced,
    select_report_match,
    select_school_conditions,
)


def select_term_scores(*, scope: Scope) -> sa.Subquery:
    """Each school's report for each term it was audited in (its latest audit of the term whose report is not
    incomplete: a term with only incomplete audits has no point).

    Terms are numbered 0 (autumn: September to December), 1 (spring: January to April) and 2 (summer).
    """
    month = sa.extract("month", AUDITS.c.audit_date)
    year = sa.extract("year", AUDITS.c.audit_date)
    term = sa.case((month >= 9, 0), (month <= 4, 1), else_=2)
    start = sa.case((month >= 9, year), else_=year - 1)
    report = REPORTS.alias("termly")
    order = (AUDITS.c.audit_date.desc(), AUDITS.c.created_at.desc(), AUDITS.c.id.desc())
    ranked = (
        sa.select(
            AUDITS.c.school_urn,
            start.label("year"),
            term.label("term"),
            AUDITS.c.audit_date,
            report.c.score,
            report.c.band,
            sa.func.row_number()
            .over(partition_by=(AUDITS.c.school_urn, start, term), order_by=order)
            .label("position"),
        )
        .select_from(
            AUDITS.join(SCHOOLS, SCHOOLS.c.urn == AUDITS.c.school_urn).join(
                report, select_report_match(report=report, audit_id=AUDITS.c.id, standards=scope.standards)
            )
        )
        .where(
            *select_school_conditions(scope=scope),
            AUDITS.c.id.not_in(select_replaced(scope=scope)),
            ~select_incomplete(audit_id=AUDITS.c.id, standards=scope.standards),
        )
        .subquery("ranked_terms")
    )
    return (
        sa.select(ranked.c.school_urn, ranked.c.year, ranked.c.term, ranked.c.audit_date, ranked.c.score, ranked.c.band)
        .where(ranked.c.position == 1)
        .subquery("term_scores")
    )


def list_term_scores(*, session: Session, scope: Scope) -> list[AnyRow]:
    """(urn, name, year, term, audit_date, score, band) for every school and term, by school then term."""
    terms = select_term_scores(scope=scope)
    query = (
        sa.select(
            terms.c.school_urn,
            SCHOOLS.c.name,
            terms.c.year,
            terms.c.term,
            terms.c.audit_date,
            terms.c.score,
            terms.c.band,
        )
        .join(SCHOOLS, SCHOOLS.c.urn == terms.c.school_urn)
        .order_by(SCHOOLS.c.name, terms.c.school_urn, terms.c.year, terms.c.term)
    )
    return list(session.execute(query))


def average_terms(*, session: Session, scope: Scope) -> list[tuple[int, int, float | None, int]]:
    """The schools' average score per term: (academic year start, term index, average, schools)."""
    terms = select_term_scores(scope=scope)
    query = (
        sa.select(terms.c.year, terms.c.term, sa.func.avg(terms.c.score), sa.func.count(terms.c.score))
        .group_by(terms.c.year, terms.c.term)
        .order_by(terms.c.year, terms.c.term)
    )
    return [
        (int(year), int(term), None if average is None else float(average), int(count))
        for year, term, average, count in session.execute(query)
    ]
