"""The trust summary's aggregates: latest reports by version and band, and findings and domain scores summed."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session

from api.storage.queries.latest import FINDINGS, REPORT_DOMAINS, REPORTS

SHORT = ("not_met", "partially_met")


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
