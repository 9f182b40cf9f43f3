"""Version impact: what changes for a trust's schools, or one school, from one standards version to another.

Both versions' reports must be stored (``oap rescore`` makes them); nothing is scored here.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.engine import Engine

from api.errors import NotFound
from api.rules.catalog import Catalog
from api.service.access import Principal, require_school
from api.service.lifecycle.models import (
    Direction,
    FindingChange,
    ReportBrief,
    SchoolChange,
    SchoolFindingChange,
    SchoolImpact,
    SchoolLacking,
    SchoolRef,
    TrustImpact,
)
from api.service.times import iso
from api.service.trusts.common import (
    as_date,
    band_ranks,
    count_text,
    filters_of,
    parse_standards,
    require_trust,
    rule_titles,
    trust_ref,
)
from api.storage.db import session_scope
from api.storage.queries import impact
from api.storage.queries.latest import AnyRow, Scope


def _direction(old: str | None, new: str | None, ranks: Mapping[str, int]) -> Direction:
    if old == new:
        return "same"
    if old is None or new is None or old not in ranks or new not in ranks:
        return "changed"
    return "up" if ranks[new] > ranks[old] else "down"


def _versions(*, catalog: Catalog, old: str, new: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """(set, version) of both SET@VERSIONs; raises StandardsNotFound for one the catalogue does not know."""
    before, after = parse_standards(catalog=catalog, ref=old), parse_standards(catalog=catalog, ref=new)
    assert before is not None
    assert after is not None
    return before, after


def _briefs(row: AnyRow) -> tuple[ReportBrief, ReportBrief]:
    """The score, band and cap of the school's report under the old version and under the new one."""
    return (
        ReportBrief(score=row.old_score, band=row.old_band, capped=bool(row.old_capped)),
        ReportBrief(score=row.new_score, band=row.new_band, capped=bool(row.new_capped)),
    )


def _titles(*, catalog: Catalog, before: tuple[str, str], after: tuple[str, str]) -> dict[str, str]:
    """Each rule's title, from the later version where it has the rule, else from the earlier."""
    return {**rule_titles(catalog=catalog, standards=before), **rule_titles(catalog=catalog, standards=after)}


def impact_trust(
    *,
    engine: Engine,
    catalog: Catalog,
    principal: Principal,
    trust_id: str,
    old: str,
    new: str,
    phase: str | None = None,
    local_authority: str | None = None,
) -> TrustImpact:
    """What changes for the trust's schools from SET@VERSION ``old`` to ``new``, from stored reports of both.

    Schools lacking a stored report against either are listed apart. Raises NotFound (a trust this key may not
    see) and StandardsNotFound.
    """
    before, after = _versions(catalog=catalog, old=old, new=new)
    scope = Scope(trust_id=trust_id, phase=phase, local_authority=local_authority)
    with session_scope(engine) as session:
        trust = require_trust(session=session, principal=principal, trust_id=trust_id)
        pairs = impact.list_version_pairs(session=session, scope=scope, old=before, new=after)
        changes = impact.count_finding_changes(session=session, scope=scope, old=before, new=after)
    ranks = band_ranks(catalog=catalog)
    compared: list[SchoolChange] = []
    lacking: list[SchoolLacking] = []
    for row in pairs:
        if row.old_report is None or row.new_report is None:
            missing = [ref for ref, report in ((old, row.old_report), (new, row.new_report)) if report is None]
            lacking.append(SchoolLacking(urn=row.urn, name=row.name, missing=missing))
            continue
        from_report, to_report = _briefs(row)
        compared.append(
            SchoolChange(
                urn=row.urn,
                name=row.name,
                audit_id=row.audit_id,
                audit_date=iso(as_date(row.audit_date)),
                from_=from_report,
                to=to_report,
                band_changed=row.old_band != row.new_band,
                direction=_direction(row.old_band, row.new_band, ranks),
            )
        )
    titles = _titles(catalog=catalog, before=before, after=after)
    findings = sorted(
        (
            FindingChange(
                rule=rule,
                title=titles.get(rule, rule),
                from_status=old_status,
                to_status=new_status,
                schools=int(count),
            )
            for rule, old_status, new_status, count in changes
        ),
        key=lambda item: (-item.schools, item.rule, item.from_status or "", item.to_status or ""),
    )
    changed = [school for school in compared if school.band_changed]
    up = sum(school.direction == "up" for school in changed)
    down = sum(school.direction == "down" for school in changed)
    rules_changed = len({item.rule for item in findings})
    summary = (
        f"Under {new}, {count_text(len(changed), 'school changes', 'schools change')} band "
        f"({up} up, {down} down) of {count_text(len(compared), 'school')} compared; "
        f"findings change for {count_text(rules_changed, 'rule')}."
    )
    if lacking:
        summary += (
            f" {count_text(len(lacking), 'school is', 'schools are')} left out for want of a stored report "
            f"(run `oap rescore --standards {new} --trust {trust_id}`, and for {old} if needed)."
        )
    return TrustImpact(
        trust=trust_ref(trust),
        from_=old,
        to=new,
        filters=filters_of(phase=phase, local_authority=local_authority),
        summary=summary,
        schools_compared=len(compared),
        band_changes=len(changed),
        moved_up=up,
        moved_down=down,
        schools=compared,
        lacking=lacking,
        findings=findings,
    )


def impact_school(
    *, engine: Engine, catalog: Catalog, principal: Principal, urn: str, old: str, new: str
) -> SchoolImpact:
    """What changes for one school's latest audit from SET@VERSION ``old`` to ``new``, rule by rule.

    Raises NotFound (a school this key may not see, one with no audit, or one whose latest audit lacks a stored
    report against either version) and StandardsNotFound.
    """
    before, after = _versions(catalog=catalog, old=old, new=new)
    scope = Scope(urn=urn)
    with session_scope(engine) as session:
        school = require_school(session=session, principal=principal, urn=urn)
        pairs = impact.list_version_pairs(session=session, scope=scope, old=before, new=after)
        changes = impact.count_finding_changes(session=session, scope=scope, old=before, new=after, by_school=True)
    if not pairs:
        raise NotFound(f"school {urn} has no audit yet, so there is nothing to compare")
    row = pairs[0]
    missing = [ref for ref, report in ((old, row.old_report), (new, row.new_report)) if report is None]
    if missing:
        raise NotFound(
            f"school {urn}'s latest audit has no stored report against {' or '.join(missing)}; "
            f"an administrator can make one with `oap rescore --standards {missing[0]} --all`"
        )
    titles = _titles(catalog=catalog, before=before, after=after)
    from_report, to_report = _briefs(row)
    return SchoolImpact(
        school=SchoolRef(urn=school.urn, name=school.name),
        from_=old,
        to=new,
        audit_id=row.audit_id,
        audit_date=iso(as_date(row.audit_date)),
        from_report=from_report,
        to_report=to_report,
        band_changed=row.old_band != row.new_band,
        direction=_direction(row.old_band, row.new_band, band_ranks(catalog=catalog)),
        findings=[
            SchoolFindingChange(
                rule=rule,
                title=titles.get(rule, rule),
                from_status=old_status,
                to_status=new_status,
                from_gap=old_gap,
                to_gap=new_gap,
                gap_unit=unit,
            )
            for rule, _, old_status, new_status, old_gap, new_gap, unit in changes
        ],
    )
