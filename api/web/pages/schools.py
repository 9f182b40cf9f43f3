"""The schools a person may see, and each school's page (its audits, history and share links)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.service import drafts, schools, shares
from api.service.access import Principal, Role
from api.web import charts
from api.web.deps import Services, ServicesDep
from api.web.pages.common import PagePrincipal, nav
from api.web.templating import long_date, page

router = APIRouter(include_in_schema=False)


@router.get("/schools")
async def school_list(request: Request, services: ServicesDep, principal: PagePrincipal) -> HTMLResponse:
    rows = await services.run(schools.visible_schools, principal=principal)
    return page(request, "schools.html", {"title": "Schools", "schools": rows, "nav": nav(principal, "schools")})


def school_context(services: Services, principal: Principal, urn: str, base: str) -> dict[str, Any]:
    school = schools.get_school(engine=services.engine, principal=principal, urn=urn)
    history = schools.school_history(engine=services.engine, principal=principal, urn=urn)
    can_submit = principal.role is not Role.governor
    points = [(long_date(item["audit_date"]), item["score"]) for item in reversed(history)]
    context: dict[str, Any] = {
        "title": school["name"],
        "school": school,
        "history": history,
        "can_submit": can_submit,
        "report_base": base,
        "trend_chart": charts.line_chart(f"Score across audits of {school['name']}", points, chart_id="trend"),
        "shares": [],
        "has_draft": False,
    }
    if can_submit:
        context["shares"] = shares.list_shares(engine=services.engine, principal=principal, urn=urn)
        context["has_draft"] = drafts.start_form(engine=services.engine, principal=principal, urn=urn).origin == "draft"
    return context


@router.get("/schools/{urn}")
async def school_page(request: Request, services: ServicesDep, principal: PagePrincipal, urn: str) -> HTMLResponse:
    context = await run_in_threadpool(school_context, services, principal, urn, "")
    return page(request, "school.html", {**context, "nav": nav(principal, "school")})


async def school_page_with_errors(
    request: Request,
    services: Services,
    principal: Principal,
    urn: str,
    field_errors: dict[str, str],
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    """The school page again (400) with an error summary and the message beside each field (by its id)."""
    context = await run_in_threadpool(school_context, services, principal, urn, "")
    errors = [{"href": field_id, "text": message} for field_id, message in field_errors.items()]
    return page(
        request,
        "school.html",
        {
            **context,
            "errors": errors,
            "error_count": len(errors),
            "field_errors": field_errors,
            "values": values or {},
            "nav": nav(principal, "school"),
        },
        status=400,
    )
