"""The trust's schools table (a page in any sort order, or the whole table streamed) and the findings export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from api.storage.queries.latest import (
    EXCEPTIONS,
    FINDINGS,
    REPORT_COLUMNS,
    REPORTS,
    SIGN_OFFS,
    AnyRow,
    Scope,
    select_columns,
    select_latest,
)

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
    """Rows of the schools table in sort order: each school with its counted audit and report (its latest complete
    one, see :func:`~api.storage.queries.latest.select_latest_audits`), statutory failures, latest sign-off and
    active exceptions, the newer audit left out as incomplete (if any), plus its sort key (sort_flag, sort_value,
    urn) for the next page's cursor.

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
            *select_columns(
                source=latest,
                names=(
                    "name",
                    "phase",
                    "local_authority",
                    "audit_id",
                    "audit_date",
                    *REPORT_COLUMNS,
                    "newer_incomplete_audit_id",
                    "newer_incomplete_on",
                ),
            ),
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
    """Every finding of each school's counted report (its latest complete one), by URN then rule, in batches from a
    server-side cursor."""
    latest = select_latest(scope=scope)
    query = (
        sa.select(
            *select_columns(source=latest, names=("name", "audit_id", "audit_date", *REPORT_COLUMNS[:3])),
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
