"""What every trust view shares: access to a trust, the standards and filters asked for, labels, dates and ETags.

Trust views are for ``trust`` keys (their own trust) and ``admin`` keys (any trust); every other key, and a trust
key asking about another trust, gets *not found*.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.errors import NotFound
from api.rules.catalog import Catalog, version_key
from api.rules.schema import Rule
from api.service.access import Principal, Role
from api.service.times import iso
from api.service.trusts.models import Filters, TrustRef
from api.storage import repository
from api.storage.db import session_scope
from api.storage.queries import state
from api.storage.queries.latest import Scope
from api.storage.tables import TrustRow

STALE_MONTHS = 12


def require_trust(*, session: Session, principal: Principal, trust_id: str) -> TrustRow:
    """The trust's row, if this key may see it (admin: any; trust: its own); raises NotFound otherwise."""
    allowed = principal.role is Role.admin or (principal.role is Role.trust and principal.trust_id == trust_id)
    trust = repository.get_trust(session=session, trust_id=trust_id) if allowed else None
    if trust is None:
        raise NotFound(f"there is no trust {trust_id} that this key can see")
    return trust


def check_trust(*, engine: Engine, principal: Principal, trust_id: str) -> TrustRef:
    """The trust's id and name, if this key may see it; raises NotFound otherwise (see :func:`require_trust`)."""
    with session_scope(engine) as session:
        return trust_ref(require_trust(session=session, principal=principal, trust_id=trust_id))


def trust_ref(trust: TrustRow) -> TrustRef:
    """The trust's id and name, as a view names it."""
    return TrustRef(id=trust.id, name=trust.name)


def parse_standards(*, catalog: Catalog, ref: str | None) -> tuple[str, str] | None:
    """(set, version) of a SET@VERSION the catalogue knows, or None; raises StandardsNotFound otherwise."""
    if ref is None:
        return None
    standards = catalog.get(ref)
    return standards.set, standards.version


@dataclass(frozen=True, slots=True)
class TrustFilters:
    """What a trust view is asked for: a standards version (SET@VERSION; None: each school's submission report),
    and only the schools of a phase or of a local authority (None: all)."""

    standards: str | None = None
    phase: str | None = None
    local_authority: str | None = None

    def as_params(self) -> dict[str, str | None]:
        """The filters by name, as the view's parameters (for its ETag)."""
        return asdict(self)


NO_FILTERS = TrustFilters()


def scope_of(*, catalog: Catalog, trust_id: str, filters: TrustFilters) -> tuple[tuple[str, str] | None, Scope]:
    """The (set, version) of the version asked for (or None) and the scope of a trust view with these filters.

    Raises StandardsNotFound for a version the catalogue does not know.
    """
    chosen = parse_standards(catalog=catalog, ref=filters.standards)
    scope = Scope(trust_id=trust_id, phase=filters.phase, local_authority=filters.local_authority, standards=chosen)
    return chosen, scope


def filters_of(*, phase: str | None, local_authority: str | None) -> Filters:
    """The filters a view was asked for, as it echoes them."""
    return Filters(phase=phase, local_authority=local_authority)


def count_text(count: int, one: str, many: str | None = None) -> str:
    """'1 school', '3 schools' (or the plural given as ``many``)."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def ref_text(standards: tuple[str, str] | None) -> str | None:
    """'set@version', or None."""
    return None if standards is None else f"{standards[0]}@{standards[1]}"


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier (the last day of that month when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def is_stale(*, audit_date: dt.date | None, today: dt.date) -> bool:
    """Whether a school's latest audit is more than 12 months old (or there is none)."""
    return audit_date is None or audit_date < months_before(today, STALE_MONTHS)


def as_date(value: Any) -> dt.date | None:
    """A date column's value as a date (SQLite may hand back text from derived queries)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def band_ranks(*, catalog: Catalog) -> dict[str, int]:
    """Each band id's rank, lowest band 0, over every standards version."""
    ranks: dict[str, float] = {}
    for standards in catalog.all():
        for band in standards.bands:
            ranks[band.id] = band.min_score
    return {band: rank for rank, band in enumerate(sorted(ranks, key=lambda name: ranks[name]))}


def band_labels(*, catalog: Catalog) -> dict[str, str]:
    """Each band id's label."""
    return {band.id: band.label for standards in catalog.all() for band in standards.bands}


def rule_index(*, catalog: Catalog, standards: tuple[str, str] | None = None) -> dict[str, Rule]:
    """Each rule by id, from the version asked for or else the newest national version that has it."""
    found: dict[str, Rule] = {}
    ordered = sorted(catalog.all(), key=lambda s: (s.set == "national", version_key(s.version)))
    if standards is not None:
        ordered.append(catalog.get(f"{standards[0]}@{standards[1]}"))
    for version in ordered:
        found.update({rule.id: rule for rule in version.rules})
    return found


def rule_titles(*, catalog: Catalog, standards: tuple[str, str] | None = None) -> dict[str, str]:
    """Each rule's title, from the version asked for or else the newest version that has the rule."""
    return {rule_id: rule.title for rule_id, rule in rule_index(catalog=catalog, standards=standards).items()}


def domain_titles(*, catalog: Catalog) -> dict[str, str]:
    """Each domain's title."""
    return {domain.id: domain.title for standards in catalog.all() for domain in standards.domains}


def trust_etag(
    *,
    engine: Engine,
    principal: Principal,
    trust_id: str,
    view: str,
    params: Mapping[str, Any],
    today: dt.date,
) -> str:
    """A weak ETag (``W/"…"``) for a trust view: one cheap query of counts and change times, the view, its
    parameters and today.

    Checks access first, so a 304 never tells a key about a trust it may not see; raises NotFound.
    """
    with session_scope(engine) as session:
        require_trust(session=session, principal=principal, trust_id=trust_id)
        current = state.get_trust_state(session=session, trust_id=trust_id)
    material = [view, trust_id, sorted((key, str(value)) for key, value in params.items()), today.isoformat()]
    raw = json.dumps([*material, [iso(item) if isinstance(item, dt.date) else item for item in current]], default=str)
    return f'W/"{hashlib.sha256(raw.encode()).hexdigest()[:32]}"'
