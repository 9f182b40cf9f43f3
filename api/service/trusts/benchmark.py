"""A school's benchmark: its latest complete score as percentiles of its trust and of every school of its phase,
each school counted by its latest complete report."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from sqlalchemy.engine import Engine

from api.errors import NotFound
from api.rules.catalog import Catalog
from api.service.access import Principal, Role, require_school
from api.service.times import iso
from api.service.trusts.common import as_date, band_ranks, parse_standards, ref_text
from api.service.trusts.models import Benchmark, BenchmarkGroup, BenchmarkSchool
from api.storage.db import session_scope
from api.storage.queries import benchmark, table
from api.storage.queries.latest import Scope

MIN_GROUP = 5
Group = Literal["trust", "phase"]


def _caller_trust(principal: Principal, school_trust: str | None) -> str | None:
    if principal.role is Role.trust:
        return principal.trust_id
    if principal.role in (Role.school, Role.governor):
        return school_trust
    return None


def benchmark_school(
    *, engine: Engine, catalog: Catalog, principal: Principal, urn: str, standards: str | None = None
) -> Benchmark:
    """A school's latest complete score as percentiles of its trust and of every school of its phase, on the same
    version; every school is counted by its latest audit whose report is not incomplete, and a newer incomplete
    audit of this school is named in the result.

    A group holding schools outside the caller's trust is compared only when it has at least five schools.
    Raises NotFound (a school this key may not see, or one with no audit, no complete audit or no score) and
    StandardsNotFound.
    """
    chosen = parse_standards(catalog=catalog, ref=standards)
    with session_scope(engine) as session:
        school = require_school(session=session, principal=principal, urn=urn)
        own = table.list_school_table(
            session=session,
            scope=Scope(urn=urn, standards=chosen),
            today=dt.date.today(),
            sort="name",
            descending=False,
            band_ranks=band_ranks(catalog=catalog),
            after=None,
            limit=1,
        )
        row = own[0]
        if row.audit_id is None and row.newer_incomplete_audit_id is not None:
            raise NotFound(
                f"school {urn} has no complete audit yet (its audit of {iso(as_date(row.newer_incomplete_on))} is "
                "incomplete), so there is nothing to compare"
            )
        if row.audit_id is None:
            raise NotFound(f"school {urn} has no audit yet, so there is nothing to compare")
        if row.score is None:
            ref = ref_text(chosen)
            raise NotFound(
                f"school {urn}'s latest complete audit has no score against {ref}"
                if ref
                else f"school {urn}'s latest complete audit has no score to compare"
            )
        version = (row.standards_set, row.standards_version)
        is_admin = principal.role is Role.admin
        caller_trust = _caller_trust(principal, school.trust_id)
        groups: list[tuple[Group, str, Scope]] = []
        if school.trust_id is not None:
            groups.append(("trust", f"schools of trust {school.trust_id}", Scope(trust_id=school.trust_id)))
        if school.phase is not None:
            groups.append(
                ("phase", f"{school.phase.replace('_', '-')} schools in the service", Scope(phase=school.phase))
            )
        compared = []
        for name, label, base in groups:
            scope = Scope(trust_id=base.trust_id, phase=base.phase, standards=version)
            count, below, equal, average, outsiders = benchmark.rank_score(
                session=session, scope=scope, score=float(row.score), outside_trust=caller_trust
            )
            compared.append(
                _group(
                    name=name,
                    label=label,
                    count=count,
                    below=below,
                    equal=equal,
                    average=average,
                    restricted=not is_admin and outsiders > 0,
                )
            )
    if school.trust_id is None:
        compared.insert(0, _unavailable("trust", "schools of its trust", "this school is not in a trust"))
    if school.phase is None:
        compared.append(_unavailable("phase", "schools of its phase", "this school's phase is not recorded"))
    return Benchmark(
        school=BenchmarkSchool(urn=school.urn, name=school.name, phase=school.phase, trust_id=school.trust_id),
        standards=f"{version[0]}@{version[1]}",
        audit_id=row.audit_id,
        audit_date=iso(as_date(row.audit_date)),
        score=row.score,
        band=row.band,
        groups=compared,
        newer_incomplete_audit_id=row.newer_incomplete_audit_id,
        newer_incomplete_on=iso(as_date(row.newer_incomplete_on)),
    )


def _unavailable(name: Group, label: str, message: str) -> BenchmarkGroup:
    return BenchmarkGroup(
        group=name, label=label, available=False, message=message, schools=None, percentile=None, average_score=None
    )


def _group(
    *, name: Group, label: str, count: int, below: int, equal: int, average: float | None, restricted: bool
) -> BenchmarkGroup:
    if restricted and count < MIN_GROUP:
        return _unavailable(
            name,
            label,
            f"not enough schools to compare: a group with schools outside your trust needs at least {MIN_GROUP}",
        )
    others = count - 1
    percentile = None if others <= 0 else round(100 * (below + 0.5 * (equal - 1)) / others)
    return BenchmarkGroup(
        group=name,
        label=label,
        available=True,
        message=None if others > 0 else "no other school in this group has a report to compare with",
        schools=count,
        percentile=percentile,
        average_score=None if average is None else round(average, 1),
    )
