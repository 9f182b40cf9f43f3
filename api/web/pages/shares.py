"""Governor share links: creating and revoking them, and the read-only pages they open."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.service import shares
from api.service.access import Principal
from api.web.deps import Services, ServicesDep
from api.web.pages.common import PagePrincipal, nav
from api.web.pages.reports import compare_context, report_context, report_csv, report_markdown
from api.web.pages.schools import school_context, school_page_with_errors
from api.web.session import check_csrf, share_id_from, share_token
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
    row = await services.run(
        shares.create_share,
        principal=principal,
        urn=urn,
        days=int(days),
        label=label.strip() or None,
    )
    context = await run_in_threadpool(school_context, services, principal, urn, "")
    url = f"{request.base_url}share/{share_token(request, row.id)}"
    return page(
        request,
        "school.html",
        {
            **context,
            "share_url": url,
            "share_expires": long_date(row.expires_at.date()),
            "nav": nav(principal, "school"),
        },
    )


@router.post("/schools/{urn}/share/{share_id}/revoke")
async def revoke_share(
    request: Request,
    services: ServicesDep,
    principal: PagePrincipal,
    urn: str,
    share_id: str,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    await services.run(shares.revoke_share, principal=principal, urn=urn, share_id=share_id)
    return RedirectResponse(f"/schools/{urn}", status_code=303)


def _share_principal(request: Request, services: Services, token: str) -> Principal:
    return shares.principal_for_share(engine=services.engine, share_id=share_id_from(request, token))


@router.get("/share/{token}")
async def shared_school(request: Request, services: ServicesDep, token: str) -> HTMLResponse:
    principal = await run_in_threadpool(_share_principal, request, services, token)
    assert principal.school_urn is not None
    context = await run_in_threadpool(school_context, services, principal, principal.school_urn, f"/share/{token}")
    return page(request, "school.html", context)


@router.get("/share/{token}/audits/{audit_id}/report")
async def shared_report(request: Request, services: ServicesDep, token: str, audit_id: str) -> HTMLResponse:
    principal = await run_in_threadpool(_share_principal, request, services, token)
    context = await run_in_threadpool(report_context, services, principal, audit_id, f"/share/{token}")
    return page(request, "report.html", context)


@router.get("/share/{token}/audits/{audit_id}/report.csv")
async def shared_csv(request: Request, services: ServicesDep, token: str, audit_id: str) -> Response:
    principal = await run_in_threadpool(_share_principal, request, services, token)
    return await report_csv(services, principal, audit_id)


@router.get("/share/{token}/audits/{audit_id}/report.md")
async def shared_markdown(request: Request, services: ServicesDep, token: str, audit_id: str) -> Response:
    principal = await run_in_threadpool(_share_principal, request, services, token)
    return await report_markdown(services, principal, audit_id)


@router.get("/share/{token}/audits/{audit_id}/compare")
async def shared_compare(
    request: Request, services: ServicesDep, token: str, audit_id: str, standards: str = "national@2025.1"
) -> HTMLResponse:
    principal = await run_in_threadpool(_share_principal, request, services, token)
    services.catalog.get(standards)
    context = await run_in_threadpool(compare_context, services, principal, audit_id, standards, f"/share/{token}")
    return page(request, "compare.html", context)
