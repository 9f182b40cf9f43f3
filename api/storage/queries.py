"""SQL for trust dashboards and the standards lifecycle, in SQLAlchemy Core, the same on SQLite and PostgreSQL.

The central idea is each school's *latest report*: the school's most recent audit (by audit date, then by when it
was stored; an audit replaced by a correction does not count) and that audit's report against the standards
version asked for or, when none is asked for, the report made when it was submitted. Every roll-up joins that to
the ``findings`` rows and aggregates with ``count``, ``sum``, ``avg`` and ``group by``: the work stays in the
database, each school costing a few index lookups and its own findings rows, and only aggregates come back.

Functions are keyword-only and named ``verb_noun``; ``select_*`` ones build statements, the others run them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlmodel import Session, SQLModel, col, select

from api.storage.tables import ExceptionRow, SignOffRow

_TABLES = SQLModel.metadata.tables
SCHOOLS = _TABLES["schools"]
AUDITS = _TABLES["audits"]
REPORTS = _TABLES["reports"]
FINDINGS = _TABLES["findings"]
REPORT_DOMAINS = _TABLES["report_domains"]
EXCEPTIONS = _TABLES["rule_exceptions"]
SIGN_OFFS = _TABLES["sign_offs"]

AnyRow = Row[*tuple[Any, ...]]
SHORT = ("not_met", "partially_met")
ASSESSED = ("met", "partially_met", "not_met")
TERMS = ("autumn", "spring", "summer")


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
            report.c.standards_set,
            report.c.standards_version,
            report.c.score,
            report.c.band,
            report.c.capped,
            report.c.coverage,
        )
        .select_from(latest.outerjoin(report, match))
        .subquery("latest")
    )


# ------------------------------------------------------------------------------------------------ trust roll-ups
#
# A roll-up first lists the latest reports of the schools in scope (one query), then aggregates over exactly those
# reports by id, so the window over every audit runs once per request rather than once per aggregate.


def count_schools(*, session: Session, scope: Scope) -> int:
    """How many schools are in scope (with an audit or not)."""
    query = sa.select(sa.func.count()).select_from(SCHOOLS).where(*select_school_conditions(scope=scope))
    return int(session.execute(query).scalar_one())


def list_latest(*, session: Session, scope: Scope) -> list[AnyRow]:
    """(school_urn, audit_id, report_id) of each school in scope with an audit; report_id is null when it lacks one."""
    latest = select_latest(scope=scope)
    return list(session.execute(sa.select(latest.c.school_urn, latest.c.audit_id, latest.c.report_id)))


def count_reports(*, session: Session, report_ids: Sequence[str]) -> list[tuple[str, str, str | None, bool, int]]:
    """The reports by standards version, band and whether a statutory rule capped them: (set, version, band,
    capped, reports)."""
    key = (REPORTS.c.standards_set, REPORTS.c.standards_version, REPORTS.c.band, REPORTS.c.capped)
    query = sa.select(*key, sa.func.count()).where(REPORTS.c.id.in_(report_ids)).group_by(*key)
    return [
        (name, version, band, bool(capped), int(count)) for name, version, band, capped, count in session.execute(query)
    ]


def summarise_findings(
    *, session: Session, report_ids: Sequence[str]
) -> tuple[list[tuple[str, str, str | None, int, float]], list[tuple[str, int, int]]]:
    """The findings and domain scores of these reports, aggregated for the rule and domain roll-ups.

    Returns, per rule and status other than met (what is met follows, as every report has one finding per rule of
    its version): (rule, status, gap unit, reports, summed gap); and per domain: (domain, reports with a score in
    it, the sum of those scores in integer tenths). A domain score is the engine's, stored with each report in
    ``report_domains`` (null when no rule of the domain was assessed).
    """
    if not report_ids:
        return [], []
    rules = (
        sa.select(
            sa.literal("rule").label("kind"),
            FINDINGS.c.rule,
            FINDINGS.c.status,
            sa.func.max(FINDINGS.c.gap_unit).label("unit"),
            sa.func.count().label("reports"),
            sa.cast(sa.func.sum(FINDINGS.c.gap_amount), sa.Float).label("total"),
        )
        .where(FINDINGS.c.report_id.in_(report_ids), FINDINGS.c.status != "met")
        .group_by(FINDINGS.c.rule, FINDINGS.c.status)
    )
    tenths = sa.cast(sa.func.round(REPORT_DOMAINS.c.score * 10), sa.Integer)
    domains = (
        sa.select(
            sa.literal("domain"),
            REPORT_DOMAINS.c.domain,
            sa.null(),
            sa.null(),
            sa.func.count(REPORT_DOMAINS.c.score),
            sa.cast(sa.func.sum(tenths), sa.Float),
        )
        .where(REPORT_DOMAINS.c.report_id.in_(report_ids))
        .group_by(REPORT_DOMAINS.c.domain)
    )
    outcomes: list[tuple[str, str, str | None, int, float]] = []
    scores: list[tuple[str, int, int]] = []
    for kind, key, status, unit, count, amount in session.execute(sa.union_all(rules, domains)):
        if kind == "rule":
            outcomes.append((key, status, unit, int(count), float(amount or 0)))
        else:
            scores.append((key, int(count), round(amount or 0)))
    return outcomes, sorted(scores)


# ------------------------------------------------------------------------------------------------ the schools table


SORTS = ("score", "name", "audit_date", "band")
_NO_DATE = dt.date(1900, 1, 1)


def select_sort_keys(*, latest: sa.Subquery, sort: str, band_ranks: Mapping[str, int]) -> list[sa.ColumnElement[Any]]:
    """The keys a sort orders by, all ascending in value: a missing-value flag (missing last), the value, the URN."""
    if sort in ("name", "urn"):
        return [sa.literal(0), latest.c.name if sort == "name" else latest.c.school_urn, latest.c.school_urn]
    if sort == "score":
        value: sa.ColumnElement[Any] = latest.c.score
        fallback: Any = 0.0
    elif sort == "audit_date":
        value, fallback = latest.c.audit_date, _NO_DATE
    else:
        value = sa.case(dict(band_ranks), value=latest.c.band, else_=None)
        fallback = -1
    missing = sa.case((value.is_(None), 1), else_=0)
    return [missing, sa.func.coalesce(value, sa.literal(fallback, value.type)), latest.c.school_urn]


def select_school_table(
    *,
    scope: Scope,
    today: dt.date,
    sort: str = "urn",
    descending: bool = False,
    band_ranks: Mapping[str, int] | None = None,
    after: Sequence[Any] | None = None,
    limit: int | None = None,
) -> sa.Select[Any]:
    """Rows of the schools table in sort order: each school with its latest report, statutory failures, latest
    sign-off and active exceptions, plus its sort key (sort_flag, sort_value, urn) for the next page's cursor.

    The page is chosen first from the latest reports alone; the per-school details are then looked up only for
    the rows of the page.
    """
    latest = select_latest(scope=scope, include_unaudited=True)
    flag, value, urn = select_sort_keys(latest=latest, sort=sort, band_ranks=band_ranks or {})
    conditions: list[sa.ColumnElement[bool]] = []
    if after is not None:
        seen_flag, seen_value, seen_urn = after

        def beyond(key: sa.ColumnElement[Any], seen: Any) -> sa.ColumnElement[bool]:
            condition: sa.ColumnElement[bool] = key < seen if descending else key > seen
            return condition

        conditions.append(
            sa.or_(
                flag > seen_flag,
                sa.and_(
                    flag == seen_flag,
                    sa.or_(beyond(value, seen_value), sa.and_(value == seen_value, beyond(urn, seen_urn))),
                ),
            )
        )

    def ordered(keys: Sequence[sa.ColumnElement[Any]]) -> list[sa.ColumnElement[Any]]:
        return [keys[0].asc(), *((key.desc() if descending else key.asc()) for key in keys[1:])]

    page = (
        sa.select(
            latest.c.school_urn.label("urn"),
            latest.c.name,
            latest.c.phase,
            latest.c.local_authority,
            latest.c.audit_id,
            latest.c.audit_date,
            latest.c.report_id,
            latest.c.standards_set,
            latest.c.standards_version,
            latest.c.score,
            latest.c.band,
            latest.c.capped,
            latest.c.coverage,
            flag.label("sort_flag"),
            value.label("sort_value"),
        )
        .where(*conditions)
        .order_by(*ordered([flag, value, urn]))
        .limit(limit)
        .subquery("page")
    )
    statutory = (
        sa.select(sa.func.count())
        .where(
            FINDINGS.c.report_id == page.c.report_id,
            FINDINGS.c.basis == "statutory",
            FINDINGS.c.status == "not_met",
        )
        .scalar_subquery()
    )
    signed = REPORTS.alias("signed")

    def last_sign_off(column: sa.ColumnElement[Any]) -> sa.ScalarSelect[Any]:
        return (
            sa.select(column)
            .select_from(SIGN_OFFS.join(signed, signed.c.id == SIGN_OFFS.c.report_id))
            .where(signed.c.audit_id == page.c.audit_id)
            .order_by(SIGN_OFFS.c.created_at.desc(), SIGN_OFFS.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    exceptions = (
        sa.select(sa.func.count())
        .where(
            EXCEPTIONS.c.school_urn == page.c.urn,
            EXCEPTIONS.c.withdrawn_at.is_(None),
            EXCEPTIONS.c.expires_on >= today,
        )
        .scalar_subquery()
    )
    return sa.select(
        page,
        sa.case((page.c.report_id.is_(None), None), else_=statutory).label("statutory_failures"),
        last_sign_off(SIGN_OFFS.c.reviewer_name).label("signed_off_by"),
        last_sign_off(SIGN_OFFS.c.created_at).label("signed_off_at"),
        exceptions.label("active_exceptions"),
    ).order_by(*ordered([page.c.sort_flag, page.c.sort_value, page.c.urn]))


def list_school_table(
    *,
    session: Session,
    scope: Scope,
    today: dt.date,
    sort: str,
    descending: bool,
    band_ranks: Mapping[str, int],
    after: Sequence[Any] | None,
    limit: int,
) -> list[AnyRow]:
    """A page of the schools table in sort order; ``after`` is the sort key of the last row already seen."""
    query = select_school_table(
        scope=scope, today=today, sort=sort, descending=descending, band_ranks=band_ranks, after=after, limit=limit
    )
    return list(session.execute(query))


def iter_school_table(
    *, connection: Connection, scope: Scope, today: dt.date, batch: int
) -> Iterator[Sequence[AnyRow]]:
    """The whole schools table by URN, in batches from a server-side cursor (constant memory)."""
    query = select_school_table(scope=scope, today=today)
    result = connection.execution_options(stream_results=True, yield_per=batch).execute(query)
    yield from result.partitions()


def iter_findings(*, connection: Connection, scope: Scope, batch: int) -> Iterator[Sequence[AnyRow]]:
    """Every finding of every latest report, by URN then rule, in batches from a server-side cursor."""
    latest = select_latest(scope=scope)
    query = (
        sa.select(
            latest.c.school_urn.label("urn"),
            latest.c.name,
            latest.c.audit_id,
            latest.c.audit_date,
            latest.c.report_id,
            latest.c.standards_set,
            latest.c.standards_version,
            FINDINGS.c.rule,
            FINDINGS.c.domain,
            FINDINGS.c.basis,
            FINDINGS.c.status,
            FINDINGS.c.gap_amount,
            FINDINGS.c.gap_unit,
        )
        .select_from(latest.join(FINDINGS, FINDINGS.c.report_id == latest.c.report_id))
        .order_by(latest.c.school_urn, FINDINGS.c.rule)
    )
    result = connection.execution_options(stream_results=True, yield_per=batch).execute(query)
    yield from result.partitions()


# ------------------------------------------------------------------------------------------------ trends by term


def select_term_scores(*, scope: Scope) -> sa.Subquery:
    """Each school's report for each term it was audited in (its latest audit of the term)."""
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
        .where(*select_school_conditions(scope=scope), AUDITS.c.id.not_in(select_replaced(scope=scope)))
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


# ------------------------------------------------------------------------------------------------ versions compared


def list_version_pairs(*, session: Session, scope: Scope, old: tuple[str, str], new: tuple[str, str]) -> list[AnyRow]:
    """Each school in scope with an audit: its latest audit's report against ``old`` and against ``new``."""
    latest = select_latest_audits(scope=scope)
    before, after = REPORTS.alias("before"), REPORTS.alias("after")
    query = (
        sa.select(
            latest.c.school_urn.label("urn"),
            latest.c.name,
            latest.c.audit_id,
            latest.c.audit_date,
            before.c.id.label("old_report"),
            before.c.score.label("old_score"),
            before.c.band.label("old_band"),
            before.c.capped.label("old_capped"),
            after.c.id.label("new_report"),
            after.c.score.label("new_score"),
            after.c.band.label("new_band"),
            after.c.capped.label("new_capped"),
        )
        .select_from(
            latest.outerjoin(
                before, select_report_match(report=before, audit_id=latest.c.audit_id, standards=old)
            ).outerjoin(after, select_report_match(report=after, audit_id=latest.c.audit_id, standards=new))
        )
        .order_by(latest.c.name, latest.c.school_urn)
    )
    return list(session.execute(query))


def count_finding_changes(
    *, session: Session, scope: Scope, old: tuple[str, str], new: tuple[str, str], by_school: bool = False
) -> list[AnyRow]:
    """Findings whose status differs between the two versions, over schools with both reports.

    Rows are (rule, old status, new status, schools) — a status is null where the rule is not in that version; a
    rule added or removed that does not apply is left out — or, with ``by_school``, (rule, urn, old status, new
    status, old gap, new gap, gap unit).
    """
    latest = select_latest_audits(scope=scope)
    before, after = REPORTS.alias("before"), REPORTS.alias("after")
    old_finding, new_finding = FINDINGS.alias("old_finding"), FINDINGS.alias("new_finding")
    pairs = latest.join(before, select_report_match(report=before, audit_id=latest.c.audit_id, standards=old)).join(
        after, select_report_match(report=after, audit_id=latest.c.audit_id, standards=new)
    )
    changed_or_gone = pairs.join(old_finding, old_finding.c.report_id == before.c.id).outerjoin(
        new_finding, sa.and_(new_finding.c.report_id == after.c.id, new_finding.c.rule == old_finding.c.rule)
    )
    added = pairs.join(new_finding, new_finding.c.report_id == after.c.id).outerjoin(
        old_finding, sa.and_(old_finding.c.report_id == before.c.id, old_finding.c.rule == new_finding.c.rule)
    )
    differs = sa.or_(
        sa.and_(new_finding.c.status.is_(None), old_finding.c.status != "not_applicable"),
        new_finding.c.status != old_finding.c.status,
    )
    is_new = sa.and_(old_finding.c.rule.is_(None), new_finding.c.status != "not_applicable")
    if by_school:
        columns: list[Any] = [
            latest.c.school_urn,
            old_finding.c.status,
            new_finding.c.status,
            old_finding.c.gap_amount,
            new_finding.c.gap_amount,
            sa.func.coalesce(new_finding.c.gap_unit, old_finding.c.gap_unit),
        ]
        first = sa.select(old_finding.c.rule, *columns).select_from(changed_or_gone).where(differs)
        second = sa.select(new_finding.c.rule, *columns).select_from(added).where(is_new)
        union = sa.union_all(first, second).subquery("changes")
        return list(session.execute(sa.select(union).order_by(union.c[1], union.c[0])))
    first = (
        sa.select(old_finding.c.rule, old_finding.c.status, new_finding.c.status, sa.func.count())
        .select_from(changed_or_gone)
        .where(differs)
        .group_by(old_finding.c.rule, old_finding.c.status, new_finding.c.status)
    )
    second = (
        sa.select(new_finding.c.rule, old_finding.c.status, new_finding.c.status, sa.func.count())
        .select_from(added)
        .where(is_new)
        .group_by(new_finding.c.rule, old_finding.c.status, new_finding.c.status)
    )
    return list(session.execute(sa.union_all(first, second)))


# ------------------------------------------------------------------------------------------------ benchmarks


def rank_score(
    *, session: Session, scope: Scope, score: float, outside_trust: str | None
) -> tuple[int, int, int, float | None, int]:
    """Where ``score`` falls among the latest scores in scope: (schools, below, equal, average, schools outside
    ``outside_trust``: not of that trust, or every school when it is None)."""
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


# ------------------------------------------------------------------------------------------------ the ETag's state


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


# ------------------------------------------------------------------------------------------------ rescoring


def select_unscored(*, standards: tuple[str, str], trust_id: str | None) -> sa.Select[Any]:
    """Audits (of one trust, or all) that have no report against ``standards`` yet."""
    has_report = sa.exists().where(
        REPORTS.c.audit_id == AUDITS.c.id,
        REPORTS.c.standards_set == standards[0],
        REPORTS.c.standards_version == standards[1],
    )
    query = sa.select(AUDITS.c.id, AUDITS.c.school_urn, AUDITS.c.body).where(~has_report)
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
    """The next ``limit`` audits (id, school_urn, body) after id ``after`` lacking a report against ``standards``."""
    query = (
        select_unscored(standards=standards, trust_id=trust_id)
        .where(AUDITS.c.id > after)
        .order_by(AUDITS.c.id)
        .limit(limit)
    )
    return list(session.execute(query))


# ------------------------------------------------------------------------------------------------ exceptions, sign-offs


def save_exception(*, session: Session, row: ExceptionRow) -> None:
    """Store a new exception."""
    session.add(row)
    session.flush()


def get_exception(*, session: Session, exception_id: str) -> ExceptionRow | None:
    """The exception with this id, if any."""
    return session.get(ExceptionRow, exception_id)


def list_exceptions(*, session: Session, urn: str) -> list[ExceptionRow]:
    """Every exception a school has recorded (withdrawn and expired ones too), newest first."""
    query = (
        select(ExceptionRow)
        .where(ExceptionRow.school_urn == urn)
        .order_by(col(ExceptionRow.created_at).desc(), col(ExceptionRow.id).desc())
    )
    return list(session.exec(query))


def save_sign_off(*, session: Session, row: SignOffRow) -> None:
    """Store a governor's sign-off."""
    session.add(row)
    session.flush()


def list_sign_offs(*, session: Session, audit_id: str) -> list[tuple[SignOffRow, str]]:
    """Every sign-off of any report of an audit, with that report's 'set@version', newest first."""
    query = (
        select(SignOffRow, REPORTS.c.standards_set, REPORTS.c.standards_version)
        .join(REPORTS, REPORTS.c.id == col(SignOffRow.report_id))
        .where(REPORTS.c.audit_id == audit_id)
        .order_by(col(SignOffRow.created_at).desc(), col(SignOffRow.id).desc())
    )
    return [(sign_off, f"{name}@{version}") for sign_off, name, version in session.exec(query)]
