"""The trust overview: a heat map of the trust's schools by domain, and its CSV download."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.service.access import Principal
from api.service.trusts.models import TrustOverview
from api.service.trusts.overview import trust_overview
from api.web.deps import Services, ServicesDep, today
from api.web.pages.common import PagePrincipal, nav
from api.web.templating import page

router = APIRouter(include_in_schema=False)


async def _overview(services: Services, principal: Principal, trust_id: str) -> TrustOverview:
    """The trust's overview (raises NotFound for a trust this key may not see)."""
    return await services.run(
        trust_overview, catalog=services.catalog, principal=principal, trust_id=trust_id, today=today()
    )


@router.get("/trusts/{trust_id}")
async def trust_page(request: Request, services: ServicesDep, principal: PagePrincipal, trust_id: str) -> HTMLResponse:
    """The trust overview page: each school's band in each domain (of its latest complete audit, with a note when a
    newer audit is incomplete), for the trust's and admin keys."""
    overview = await _overview(services, principal, trust_id)
    title = f"{overview.trust.name}: overview"
    return page(request, "trust.html", {"title": title, "overview": overview, "nav": nav(principal, "trust")})


@router.get("/trusts/{trust_id}/overview.csv")
async def trust_overview_csv(services: ServicesDep, principal: PagePrincipal, trust_id: str) -> Response:
    """The overview as CSV: a row per school, its overall band and score, then each domain's band and score (all of
    its latest complete audit), then the date of a newer audit left out as incomplete (empty when none)."""
    overview = await _overview(services, principal, trust_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    domains = overview.domains
    writer.writerow(
        [
            "urn",
            "school",
            "audit_date",
            "band",
            "score",
            *(f"{title} band" for title in domains.values()),
            *(f"{title} score" for title in domains.values()),
            "newer_incomplete_on",
        ]
    )
    for school in overview.schools:
        cells = [school.domains[domain] for domain in domains]
        writer.writerow(
            [school.urn, school.name, school.audit_date or "", school.band_label or "", school.score]
            + [cell.label if cell else "" for cell in cells]
            + [cell.score if cell else "" for cell in cells]
            + [school.newer_incomplete_on or ""]
        )
    headers = {"Content-Disposition": f'attachment; filename="trust-{trust_id}-overview.csv"'}
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
