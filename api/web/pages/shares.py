"""Governor share links: creating and revoking them, and the read-only pages they open."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.service import shares
from api.web.deps import ServicesDep
from api.web.pages.common import PagePrincipal, SharePrincipal, signed_in_page
from api.web.pages.reports import compare_context, report_context, report_download
from api.web.pages.schools import school_context, school_page_with_errors
from api.web.session import check_csrf, share_token
from api.web.templating import long_date, page

router = APIRouter(include_in_schema=False)


@router.post("/schools/{urn}/share")
async def create_share(
    request: Request,
    services: ServicesDep,
    principal: PagePrincipal,
    urn: str,
    csrf: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "",
    label: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """A new share link, shown once on the school page; days outside 1 to MAX_DAYS show there as an error (400)."""
    check_csrf(request, csrf)
    if not re.fullmatch(r"[0-9]{1,3}", days.strip()) or not 1 <= int(days) <= shares.MAX_DAYS:
        return await school_page_with_errors(
            request,
            services,
            principal,
            urn,
            {"share-days": f"Enter the days the link lasts as a whole number from 1 to {shares.MAX_DAYS}"},
            {"label": label, "days": days},
        )
    share = await services.run(
        shares.create_share, principal=principal, urn=urn, days=int(days), label=label.strip() or None
    )
    context = await services.build(school_context, principal, urn, "")
    url = f"{request.base_url}share/{share_token(request, share.id)}"
    shown = {**context, "share_url": url, "share_expires": long_date(share.expires_at.date())}
    return signed_in_page(request, "school.html", shown, principal)


@router.post("/schools/{urn}/share/{share_id}/revoke")
async def revoke_share(
    request: Request,
    services: ServicesDep,
    principal: PagePrincipal,
    urn: str,
    share_id: str,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Stop a share link at once, then back to the school page (303)."""
    check_csrf(request, csrf)
    await services.run(shares.revoke_share, principal=principal, urn=urn, share_id=share_id)
    return RedirectResponse(f"/schools/{urn}", status_code=303)


@router.get("/share/{token}")
async def shared_school(request: Request, services: ServicesDep, principal: SharePrincipal, token: str) -> HTMLResponse:
    """The school page a share link opens, read only and without navigation."""
    assert principal.school_urn is not None
    context = await services.build(school_context, principal, principal.school_urn, f"/share/{token}")
    return page(request, "school.html", context)


@router.get("/share/{token}/audits/{audit_id}/report")
async def shared_report(
    request: Request, services: ServicesDep, principal: SharePrincipal, token: str, audit_id: str
) -> HTMLResponse:
    """A report of the shared school."""
    context = await services.build(report_context, principal, audit_id, f"/share/{token}")
    return page(request, "report.html", context)


@router.get("/share/{token}/audits/{audit_id}/report.csv")
@router.get("/share/{token}/audits/{audit_id}/report.md")
async def shared_file(request: Request, services: ServicesDep, principal: SharePrincipal, audit_id: str) -> Response:
    """A report of the shared school as CSV or Markdown."""
    return await report_download(request, services, principal, audit_id)


@router.get("/share/{token}/audits/{audit_id}/compare")
async def shared_compare(
    request: Request,
    services: ServicesDep,
    principal: SharePrincipal,
    token: str,
    audit_id: str,
    standards: str = "national@2025.1",
) -> HTMLResponse:
    """A report of the shared school against another standards version."""
    services.catalog.get(standards)
    context = await services.build(compare_context, principal, audit_id, standards, f"/share/{token}")
    return page(request, "compare.html", context)
