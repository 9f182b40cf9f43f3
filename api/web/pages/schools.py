"""The schools a person may see, and each school's page (its audits, history and share links)."""

from __future__ import annotations

from typing import TypedDict

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.service import drafts, schools, shares
from api.service.access import Principal, Role
from api.web import charts
from api.web.deps import Services, ServicesDep
from api.web.pages.common import PagePrincipal, signed_in_page
from api.web.templating import long_date

router = APIRouter(include_in_schema=False)


class SchoolPage(TypedDict):
    """What school.html shows (a page with errors adds errors, error_count, field_errors and values)."""

    title: str
    school: schools.SchoolOut
    history: list[schools.HistoryEntry]
    can_submit: bool
    report_base: str
    trend_chart: str
    shares: list[shares.ShareView]
    has_draft: bool


@router.get("/schools")
async def school_list(request: Request, services: ServicesDep, principal: PagePrincipal) -> HTMLResponse:
    """Every school the signed-in person may see."""
    rows = await services.run(schools.visible_schools, principal=principal)
    return signed_in_page(request, "schools.html", {"title": "Schools", "schools": rows}, principal, "schools")


def school_context(services: Services, principal: Principal, urn: str, base: str) -> SchoolPage:
    """What school.html shows: the school, its audits newest first with a trend chart, and (for keys that can
    submit) its share links and whether it has a draft. ``base`` prefixes report links ("" or a share link's path).
    Raises NotFound for a school the key cannot see."""
    school = schools.get_school(engine=services.engine, principal=principal, urn=urn)
    history = schools.school_history(engine=services.engine, principal=principal, urn=urn)
    can_submit = principal.role is not Role.governor
    points = [(long_date(item.audit_date), item.score) for item in reversed(history)]
    links, has_draft = [], False
    if can_submit:
        links = shares.list_shares(engine=services.engine, principal=principal, urn=urn)
        has_draft = drafts.start_form(engine=services.engine, principal=principal, urn=urn).origin == "draft"
    return SchoolPage(
        title=school.name,
        school=school,
        history=history,
        can_submit=can_submit,
        report_base=base,
        trend_chart=charts.line_chart(f"Score across audits of {school.name}", points, chart_id="trend"),
        shares=links,
        has_draft=has_draft,
    )


@router.get("/schools/{urn}")
async def school_page(request: Request, services: ServicesDep, principal: PagePrincipal, urn: str) -> HTMLResponse:
    """A school's page: its audits, and for keys that can submit, the form, upload and share links."""
    context = await services.build(school_context, principal, urn, "")
    return signed_in_page(request, "school.html", context, principal)


async def school_page_with_errors(
    request: Request,
    services: Services,
    principal: Principal,
    urn: str,
    field_errors: dict[str, str],
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    """The school page again (400) with an error summary and the message beside each field (by its id)."""
    context = await services.build(school_context, principal, urn, "")
    errors = [{"href": field_id, "text": message} for field_id, message in field_errors.items()]
    extra = {"errors": errors, "error_count": len(errors), "field_errors": field_errors, "values": values or {}}
    return signed_in_page(request, "school.html", {**context, **extra}, principal, status=400)
