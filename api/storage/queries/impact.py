"""Two standards versions compared: each school's latest audit under both, and the findings whose status differs."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from api.storage.queries.latest import (
    FINDINGS,
    REPORTS,
    AnyRow,
    Scope,
    select_columns,
    select_latest_audits,
    select_report_match,
)


def list_version_pairs(*, session: Session, scope: Scope, old: tuple[str, str], new: tuple[str, str]) -> list[AnyRow]:
    """Each school in scope with an audit: its latest audit's report against ``old`` and against ``new``.

    The latest audit, complete or not: an audit may be complete under one version and not under the other, which
    is part of what the comparison shows.
    """
    latest = select_latest_audits(scope=scope, skip_incomplete=False)
    before, after = REPORTS.alias("before"), REPORTS.alias("after")
    query = (
        sa.select(
            *select_columns(source=latest, names=("name", "audit_id", "audit_date")),
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
    latest = select_latest_audits(scope=scope, skip_incomplete=False)
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
