"""The trust summary: schools by band, each domain's average score, and per rule the schools that fall short.

Each school is counted by its latest complete report; a school whose audits are all incomplete counts as having no
complete audit and is left out of the figures, as the note says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.engine import Engine

from api.rules.catalog import Catalog
from api.service.access import Principal
from api.service.trusts.common import (
    NO_FILTERS,
    TrustFilters,
    band_labels,
    band_ranks,
    count_text,
    domain_titles,
    filters_of,
    ref_text,
    require_trust,
    rule_index,
    scope_of,
    trust_ref,
)
from api.service.trusts.models import (
    BandCount,
    DomainAverage,
    RuleShortfall,
    SchoolCounts,
    StandardsCount,
    TrustSummary,
)
from api.storage.db import session_scope
from api.storage.queries import latest, summary
from api.storage.queries.latest import AnyRow

_BASIS_RANK = {"statutory": 0, "statutory_guidance": 1, "condition_of_grant": 2, "guidance": 3}
_OTHER_STATUSES = ("not_met", "partially_met", "not_assessed", "not_applicable")


def summarise_trust(
    *, engine: Engine, catalog: Catalog, principal: Principal, trust_id: str, filters: TrustFilters = NO_FILTERS
) -> TrustSummary:
    """Schools by band, each domain's average score and, per rule, how many schools fall short and by how much.

    Each school counts by its latest audit whose report (against the version read) is not incomplete; the counts
    say how many have no complete audit and how many are counted by an earlier audit than their newest. ``filters``
    choose the version read and the schools counted. Raises NotFound (a trust this key may not see) and
    StandardsNotFound.
    """
    chosen, scope = scope_of(catalog=catalog, trust_id=trust_id, filters=filters)
    refs = {s.ref for s in catalog.all()}
    with session_scope(engine) as session:
        trust = require_trust(session=session, principal=principal, trust_id=trust_id)
        total = latest.count_schools(session=session, scope=scope)
        latest_rows = latest.list_latest(session=session, scope=scope)
        report_ids = [row.report_id for row in latest_rows if row.report_id is not None]
        counts = _school_counts(total=total, rows=latest_rows, reported=len(report_ids))
        groups = summary.count_reports(session=session, report_ids=report_ids)
        per_version: dict[tuple[str, str], int] = {}
        for name, version, _, _, count in groups:
            per_version[(name, version)] = per_version.get((name, version), 0) + count
        known = [
            catalog.get(f"{name}@{version}") for name, version in sorted(per_version) if f"{name}@{version}" in refs
        ]
        outcomes, domain_scores = summary.summarise_findings(session=session, report_ids=report_ids)
    bands: dict[str | None, list[int]] = {}
    for _, _, band, capped, count in groups:
        tally = bands.setdefault(band, [0, 0])
        tally[0] += count
        tally[1] += count if capped else 0
    # How many reports hold each rule: one finding per rule of a report's version.
    holding: dict[str, int] = {}
    for version_rules in known:
        reports = per_version[(version_rules.set, version_rules.version)]
        for rule in version_rules.rules:
            holding[rule.id] = holding.get(rule.id, 0) + reports
    return TrustSummary(
        trust=trust_ref(trust),
        standards=ref_text(chosen),
        filters=filters_of(phase=filters.phase, local_authority=filters.local_authority),
        schools=counts,
        note=_coverage_note(trust_id=trust_id, standards=chosen, counts=counts),
        standards_used=[
            StandardsCount(standards=f"{name}@{version}", schools=count)
            for (name, version), count in sorted(per_version.items())
        ],
        bands=_band_counts(catalog=catalog, bands=[(band, count, capped) for band, (count, capped) in bands.items()]),
        domains=_domain_rows(catalog=catalog, scores=domain_scores),
        rules=_rule_rows(catalog=catalog, standards=chosen, outcomes=outcomes, holding=holding),
    )


def _domain_rows(*, catalog: Catalog, scores: Sequence[tuple[str, int, int]]) -> list[DomainAverage]:
    """Each domain's average score over the reports with a score in it (from (domain, reports, sum in tenths))."""
    titles = domain_titles(catalog=catalog)
    return [
        DomainAverage(
            domain=domain,
            title=titles.get(domain, domain),
            average_score=round(tenths / schools / 10, 1),
            schools=schools,
        )
        for domain, schools, tenths in scores
        if schools
    ]


def _school_counts(*, total: int, rows: Sequence[AnyRow], reported: int) -> SchoolCounts:
    """How many schools the figures cover, from each school's (urn, counted audit, report, newer incomplete audit)."""
    no_audit = no_complete = newer = 0
    for row in rows:
        if row.audit_id is None:
            no_complete += row.newer_incomplete_audit_id is not None
            no_audit += row.newer_incomplete_audit_id is None
        else:
            newer += row.newer_incomplete_audit_id is not None
    return SchoolCounts(
        total=total,
        with_report=reported,
        without_report=total - reported,
        without_audit=no_audit,
        without_complete_audit=no_complete,
        newer_incomplete=newer,
    )


def _coverage_note(*, trust_id: str, standards: tuple[str, str] | None, counts: SchoolCounts) -> str | None:
    parts = []
    if counts.without_audit:
        parts.append(f"{count_text(counts.without_audit, 'school has', 'schools have')} no audit yet")
    if counts.without_complete_audit:
        one = counts.without_complete_audit == 1
        parts.append(
            f"{count_text(counts.without_complete_audit, 'school has', 'schools have')} no complete audit yet "
            f"({'its audits are' if one else 'their audits are'} incomplete)"
        )
    unreported = counts.total - counts.with_report - counts.without_audit - counts.without_complete_audit
    if standards is not None and unreported:
        ref = ref_text(standards)
        parts.append(
            f"{count_text(unreported, 'school has', 'schools have')} no report against {ref} yet "
            f"(run `oap rescore --standards {ref} --trust {trust_id}`)"
        )
    sentences = ["; ".join(parts) + "; they are left out of the figures below."] if parts else []
    if counts.newer_incomplete:
        sentences.append(
            "1 school's newest audit is incomplete, so its latest complete audit is counted."
            if counts.newer_incomplete == 1
            else f"{counts.newer_incomplete} schools' newest audits are incomplete, so their latest complete audits "
            "are counted."
        )
    return " ".join(sentences) or None


def _band_counts(*, catalog: Catalog, bands: Sequence[tuple[str | None, int, int]]) -> list[BandCount]:
    ranks, labels = band_ranks(catalog=catalog), band_labels(catalog=catalog)
    counted = {band: (count, capped) for band, count, capped in bands}
    rows = [
        BandCount(
            band=band, label=labels[band], schools=counted.get(band, (0, 0))[0], capped=counted.get(band, (0, 0))[1]
        )
        for band in sorted(ranks, key=ranks.__getitem__)
    ]
    for band, (count, capped) in counted.items():
        if band not in ranks:
            rows.append(BandCount(band=band, label="No score" if band is None else band, schools=count, capped=capped))
    return rows


def _amount(value: float) -> float | int:
    rounded = round(value, 2)
    return int(rounded) if float(rounded).is_integer() else rounded


def _rule_rows(
    *,
    catalog: Catalog,
    standards: tuple[str, str] | None,
    outcomes: Sequence[tuple[str, str, str | None, int, float]],
    holding: Mapping[str, int],
) -> list[RuleShortfall]:
    rules_by_id = rule_index(catalog=catalog, standards=standards)
    rules: dict[str, RuleShortfall] = {}
    gaps: dict[str, float] = {}

    def row_of(rule_id: str) -> RuleShortfall:
        known = rules_by_id.get(rule_id)
        return rules.setdefault(
            rule_id,
            RuleShortfall(
                rule=rule_id,
                title=known.title if known else rule_id,
                domain=known.domain if known else rule_id.partition(".")[0],
                basis=known.basis.value if known else "unknown",
                schools_short=0,
                not_met=0,
                partially_met=0,
                met=0,
                not_assessed=0,
                not_applicable=0,
                gap_total=None,
                gap_unit=None,
                text=None,
            ),
        )

    for rule_id in holding:
        row_of(rule_id)
    for rule_id, status, unit, count, total in outcomes:
        row = row_of(rule_id)
        if status in _OTHER_STATUSES:
            setattr(row, status, getattr(row, status) + count)
        if status in summary.SHORT:
            row.schools_short += count
            if unit is not None:
                gaps[rule_id] = gaps.get(rule_id, 0.0) + total
                row.gap_unit = unit
    for row in rules.values():
        others = sum(getattr(row, status) for status in _OTHER_STATUSES)
        row.met = holding.get(row.rule, others) - others
        short = row.schools_short
        if row.rule in gaps:
            amount = _amount(gaps[row.rule])
            row.gap_total = float(amount)
            row.text = f"{amount} {row.gap_unit} across {count_text(short, 'school')}"
        elif short:
            row.text = f"{count_text(short, 'school falls', 'schools fall')} short"
    return sorted(rules.values(), key=lambda r: (-r.schools_short, _BASIS_RANK.get(r.basis, 9), r.rule))
