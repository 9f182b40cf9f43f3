"""Each school's latest audit and its chosen report: the scope of a query and the subqueries every roll-up reads.

The latest audit is the most recent by audit date, then by when it was stored; an audit replaced by a correction
does not count. Its chosen report is the one against the standards version asked for or, when none is asked for,
the one made at submission.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlmodel import Session, SQLModel

_TABLES = SQLModel.metadata.tables
SCHOOLS = _TABLES["schools"]
AUDITS = _TABLES["audits"]
REPORTS = _TABLES["reports"]
FINDINGS = _TABLES["findings"]
REPORT_DOMAINS = _TABLES["report_domains"]
EXCEPTIONS = _TABLES["rule_exceptions"]
SIGN_OFFS = _TABLES["sign_offs"]

AnyRow = Row[*tuple[Any, ...]]
# The chosen report's columns of select_latest, in the order the schools table lists them.
REPORT_COLUMNS = ("report_id", "standards_set", "standards_version", "score", "band", "capped", "coverage")


def select_columns(*, source: sa.FromClause, names: Sequence[str]) -> list[sa.ColumnElement[Any]]:
    """The school's URN (labelled ``urn``) and the named columns of a subquery of :func:`select_latest` (or of
    :func:`select_latest_audits`)."""
    return [source.c.school_urn.label("urn"), *(source.c[name] for name in names)]


@dataclass(frozen=True, slots=True)
class Scope:
    """Which schools a query covers and which of their reports it reads.

    ``standards`` is (set, version): the latest audit's report against that version (a school whose latest audit
    has none counts as lacking a report); None reads each latest audit's submission report.
    """

    trust_id: str | None = None
    urn: str | None = None
    phase: str | None = None
    local_authority: str | None = None
    standards: tuple[str, str] | None = None


def select_school_conditions(*, scope: Scope, schools: sa.FromClause = SCHOOLS) -> list[sa.ColumnElement[bool]]:
    """The WHERE conditions on ``schools`` (or an alias of it) for a scope."""
    conditions: list[sa.ColumnElement[bool]] = []
    if scope.trust_id is not None:
        conditions.append(schools.c.trust_id == scope.trust_id)
    if scope.urn is not None:
        conditions.append(schools.c.urn == scope.urn)
    if scope.phase is not None:
        conditions.append(schools.c.phase == scope.phase)
    if scope.local_authority is not None:
        conditions.append(schools.c.local_authority == scope.local_authority)
    return conditions


def select_replaced(*, scope: Scope) -> sa.Select[Any]:
    """The ids of audits in scope that a later correction replaces (computed once, not per school)."""
    replacing = AUDITS.alias("replacing")
    school = SCHOOLS.alias("replacing_school")
    return (
        sa.select(replacing.c.replaces_id)
        .join(school, school.c.urn == replacing.c.school_urn)
        .where(replacing.c.replaces_id.is_not(None), *select_school_conditions(scope=scope, schools=school))
    )


def select_report_match(
    *, report: sa.FromClause, audit_id: sa.ColumnElement[Any], standards: tuple[str, str] | None
) -> sa.ColumnElement[bool]:
    """The join condition picking an audit's report: against ``standards``, or the one made at submission."""
    if standards is not None:
        return sa.and_(
            report.c.audit_id == audit_id,
            report.c.standards_set == standards[0],
            report.c.standards_version == standards[1],
        )
    earlier = REPORTS.alias("earlier")
    made_before = sa.or_(
        earlier.c.created_at < report.c.created_at,
        sa.and_(earlier.c.created_at == report.c.created_at, earlier.c.id < report.c.id),
    )
    # The id test comes first so that an audit with one report never reads created_at, which SQLite stores after
    # the report body (tens of kilobytes of overflow pages).
    return sa.and_(
        report.c.audit_id == audit_id,
        ~sa.exists().where(earlier.c.audit_id == report.c.audit_id, earlier.c.id != report.c.id, made_before),
    )


def select_latest_audits(*, scope: Scope, include_unaudited: bool = False) -> sa.Subquery:
    """Each school in scope (name, phase, local authority, trust) with its latest audit (id and date).

    The latest audit is the most recent by audit date, then by when it was stored; an audit a correction replaced
    does not count. It is found per school as the first entry of ``ix_audits_school_latest`` read backwards (a
    few index pages per school, however many audits it has). Schools with no audit are left out unless
    ``include_unaudited`` (their audit columns null).
    """
    latest_id = (
        sa.select(AUDITS.c.id)
        .where(AUDITS.c.school_urn == SCHOOLS.c.urn, AUDITS.c.id.not_in(select_replaced(scope=scope)))
        .order_by(AUDITS.c.audit_date.desc(), AUDITS.c.created_at.desc(), AUDITS.c.id.desc())
        .limit(1)
        .correlate(SCHOOLS)
        .scalar_subquery()
    )
    per_school = (
        sa.select(
            SCHOOLS.c.urn.label("school_urn"),
            SCHOOLS.c.name,
            SCHOOLS.c.phase,
            SCHOOLS.c.local_authority,
            SCHOOLS.c.trust_id,
            latest_id.label("audit_id"),
        )
        .where(*select_school_conditions(scope=scope))
        .subquery("per_school")
    )
    query = sa.select(per_school, AUDITS.c.audit_date)
    if include_unaudited:
        query = query.select_from(per_school.outerjoin(AUDITS, AUDITS.c.id == per_school.c.audit_id))
    else:
        query = query.select_from(per_school.join(AUDITS, AUDITS.c.id == per_school.c.audit_id))
    return query.subquery("latest_audits")


def select_latest(*, scope: Scope, include_unaudited: bool = False) -> sa.Subquery:
    """Each school in scope with its latest audit and that audit's chosen report (report columns null when none)."""
    latest = select_latest_audits(scope=scope, include_unaudited=include_unaudited)
    report = REPORTS.alias("chosen")
    match = select_report_match(report=report, audit_id=latest.c.audit_id, standards=scope.standards)
    return (
        sa.select(
            latest,
            report.c.id.label("report_id"),
            *(report.c[name] for name in REPORT_COLUMNS[1:]),
        )
        .select_from(latest.outerjoin(report, match))
        .subquery("latest")
    )


def count_schools(*, session: Session, scope: Scope) -> int:
    """How many schools are in scope (with an audit or not)."""
    query = sa.select(sa.func.count()).select_from(SCHOOLS).where(*select_school_conditions(scope=scope))
    return int(session.execute(query).scalar_one())


def list_latest(*, session: Session, scope: Scope) -> list[AnyRow]:
    """(school_urn, audit_id, report_id) of each school in scope with an audit; report_id is null when it lacks one."""
    latest = select_latest(scope=scope)
    return list(session.execute(sa.select(latest.c.school_urn, latest.c.audit_id, latest.c.report_id)))
