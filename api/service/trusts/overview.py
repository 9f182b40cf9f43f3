"""The trust overview: every school of the trust with its latest complete report's band in each domain (a heat
map), and the newer incomplete audit each row flags."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from api.rules.catalog import Catalog
from api.service.access import Principal
from api.service.trusts.common import domain_titles
from api.service.trusts.models import DomainCell, OverviewSchool, TrustOverview, TrustSchoolRow
from api.service.trusts.table import list_trust_schools
from api.storage import repository
from api.storage.db import session_scope

PAGE = 200


def trust_overview(
    *, engine: Engine, catalog: Catalog, principal: Principal, trust_id: str, today: dt.date
) -> TrustOverview:
    """Every school of the trust (by name) with its latest complete report's band and score in each domain, and
    the newer audit left out as incomplete, if any (see :func:`~api.service.trusts.table.list_trust_schools`).

    A domain's band is read on the bands of the newest national version. Raises NotFound (a trust this key may
    not see).
    """
    items: list[TrustSchoolRow] = []
    cursor: str | None = None
    while True:
        page = list_trust_schools(
            engine=engine,
            catalog=catalog,
            principal=principal,
            trust_id=trust_id,
            today=today,
            limit=PAGE,
            cursor=cursor,
        )
        items += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    report_ids = [item.report_id for item in items if item.report_id]
    with session_scope(engine) as session:
        scores_of = repository.list_domain_scores(session=session, report_ids=report_ids)
    # The columns are the domains the counted reports score (every version's domains when none is counted yet), so a
    # version a school was not scored against does not add empty columns.
    every = domain_titles(catalog=catalog)
    scored = {domain for scores in scores_of.values() for domain in scores}
    titles = {domain: title for domain, title in every.items() if domain in scored} or every
    national = max((s for s in catalog.all() if s.set == "national"), key=lambda s: s.effective_from)
    bands = sorted(national.bands, key=lambda band: band.min_score)

    def band_of(score: float | None) -> DomainCell | None:
        if score is None:
            return None
        chosen = bands[0]
        for band in bands:
            if score >= band.min_score:
                chosen = band
        return DomainCell(id=chosen.id, label=chosen.label, score=score)

    schools = []
    for item in items:
        scores = scores_of.get(item.report_id or "", {})
        domains = {domain: band_of(scores.get(domain)) for domain in titles}
        schools.append(OverviewSchool(**item.model_dump(), domains=domains))
    return TrustOverview(trust=page.trust, domains=titles, schools=schools, bands=[band.label for band in bands])
