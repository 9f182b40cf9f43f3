"""Each school's latest audit and its chosen report: the scope of a query and the subqueries every roll-up reads.

The latest audit is the most recent by audit date, then by when it was stored; an audit replaced by a correction
does not count. Its chosen report is the one against the standards version asked for or, when none is asked for,
the one made at submission. Dashboards count each school by its latest audit whose chosen report is not
incomplete (a near-empty upload never displaces a complete audit) and say when a newer audit was left out.
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
    *,
    report: sa.FromClause,
    audit_id: sa.ColumnElement[Any],
    standards: tuple[str, str] | None,
    earlier_name: str = "earlier",
) -> sa.ColumnElement[bool]:
    """The join condition picking an audit's report: against ``standards``, or the one made at submission (no
    report of the audit, aliased ``earlier_name``, was made before it)."""
    if standards is not None:
        return sa.and_(
            report.c.audit_id == audit_id,
            report.c.standards_set == standards[0],
            report.c.standards_version == standards[1],
        )
    earlier = REPORTS.alias(earlier_name)
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


def select_incomplete(*, audit_id: sa.ColumnElement[Any], standards: tuple[str, str] | None) -> sa.Exists:
    """Whether an audit's chosen report (see :func:`select_report_match`) is stored and incomplete.

    Answered from ``ix_reports_audit_complete`` (audit, complete, set, version) alone: a complete report is never
    read, which matters on SQLite, where ``complete`` is stored after the report body. Only an incomplete report's
    ``created_at`` may be read, to tell whether it is its audit's submission report.
    """
    report = REPORTS.alias("incomplete")
    return sa.exists().where(
        report.c.complete == sa.false(),
        select_report_match(report=report, audit_id=audit_id, standards=standards, earlier_name="incomplete_earlier"),
    )


def _first_audit(*, scope: Scope, conditions: Sequence[sa.ColumnElement[bool]] = ()) -> sa.ScalarSelect[Any]:
    """The id of the school's (``SCHOOLS``, correlated) most recent audit meeting ``conditions``, by audit date,
    then when stored; an audit a correction replaced does not count."""
    return (
        sa.select(AUDITS.c.id)
        .where(AUDITS.c.school_urn == SCHOOLS.c.urn, AUDITS.c.id.not_in(select_replaced(scope=scope)), *conditions)
        .order_by(AUDITS.c.audit_date.desc(), AUDITS.c.created_at.desc(), AUDITS.c.id.desc())
        .limit(1)
        .correlate(SCHOOLS)
        .scalar_subquery()
    )


def select_latest_audits(*, scope: Scope, include_unaudited: bool = False, skip_incomplete: bool = True) -> sa.Subquery:
    """Each school in scope (name, phase, local authority, trust) with the audit it is counted by (id and date),
    and the newer audit left out as incomplete (``newer_incomplete_audit_id`` and ``newer_incomplete_on``, null
    when there is none).

    The counted audit is the most recent by audit date, then by when it was stored, whose chosen report is not
    incomplete (with ``skip_incomplete``; otherwise simply the most recent); an audit a correction replaced does not
    count. An audit with no report against the version asked for is not skipped: the school counts as lacking a
    report, as before it is rescored. When the school's most recent audit is not the counted one, it is the newer
    incomplete one. Both are found per school from ``ix_audits_school_latest`` read backwards (a few index pages
    per school, however many audits it has), each candidate checked in ``ix_reports_audit_complete``. Schools with
    no counted audit (none at all, or only incomplete ones) are left out unless ``include_unaudited`` (their
    audit columns null).
    """
    latest_id = _first_audit(scope=scope)
    if skip_incomplete:
        counted_id = _first_audit(
            scope=scope, conditions=[~select_incomplete(audit_id=AUDITS.c.id, standards=scope.standards)]
        )
    else:
        counted_id = latest_id
    per_school = (
        sa.select(
            SCHOOLS.c.urn.label("school_urn"),
            SCHOOLS.c.name,
            SCHOOLS.c.phase,
            SCHOOLS.c.local_authority,
            SCHOOLS.c.trust_id,
            counted_id.label("audit_id"),
            (latest_id if skip_incomplete else sa.null()).label("latest_id"),
        )
        .where(*select_school_conditions(scope=scope))
        # OFFSET 0 keeps this subquery whole: merged into the outer query, SQLite would run each correlated
        # subquery once per reference to its column (four times a school), not once.
        .offset(0)
        .subquery("per_school")
    )
    # The newer audit's date is looked up only for a school not counted by its newest audit (a CASE branch).
    flagged = sa.or_(per_school.c.audit_id.is_(None), per_school.c.latest_id != per_school.c.audit_id)
    newer = AUDITS.alias("newer")
    newer_on = sa.select(newer.c.audit_date).where(newer.c.id == per_school.c.latest_id).scalar_subquery()
    query = sa.select(
        *(per_school.c[name] for name in ("school_urn", "name", "phase", "local_authority", "trust_id", "audit_id")),
        AUDITS.c.audit_date,
        sa.case((flagged, per_school.c.latest_id)).label("newer_incomplete_audit_id"),
        sa.case((flagged, newer_on)).label("newer_incomplete_on"),
    )
    counted = AUDITS.c.id == per_school.c.audit_id
    schools = per_school.outerjoin(AUDITS, counted) if include_unaudited else per_school.join(AUDITS, counted)
    return query.select_from(schools).subquery("latest_audits")


def select_latest(*, scope: Scope, include_unaudited: bool = False) -> sa.Subquery:
    """Each school in scope with its counted audit (the latest whose chosen report is not incomplete, see
    :func:`select_latest_audits`), that audit's chosen report (report columns null when none) and the newer
    incomplete audit, if any."""
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
    """(school_urn, audit_id, report_id, newer_incomplete_audit_id) of every school in scope: audit_id is its
    counted audit (null when it has none: no audit, or only incomplete ones), report_id that audit's chosen report
    (null when it lacks one) and newer_incomplete_audit_id its newer audit left out as incomplete (or null)."""
    latest = select_latest(scope=scope, include_unaudited=True)
    columns = (latest.c.school_urn, latest.c.audit_id, latest.c.report_id, latest.c.newer_incomplete_audit_id)
    return list(session.execute(sa.select(*columns)))
