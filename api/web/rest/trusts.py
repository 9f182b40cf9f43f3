"""Trust dashboards over JSON: the summary, the schools table, the trend, version impact, exports and benchmarks.

Trust reads carry a weak ETag computed from one cheap query (counts and latest change times of the trust's
reports, schools, sign-offs and exceptions, plus the view's parameters and today's date) before the expensive
aggregation runs; a matching ``If-None-Match`` gets 304 with no body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import StreamingResponse

from api.service.access import Principal
from api.service.lifecycle.impact import impact_trust
from api.service.lifecycle.models import TrustImpact
from api.service.trusts.benchmark import benchmark_school
from api.service.trusts.common import TrustFilters, trust_etag
from api.service.trusts.exports import open_export
from api.service.trusts.models import Benchmark, TrustSchoolPage, TrustSummary, TrustTrend
from api.service.trusts.summary import summarise_trust
from api.service.trusts.table import list_trust_schools
from api.service.trusts.trend import trend_trust
from api.web.deps import PrincipalDep, Services, ServicesDep, today
from api.web.params import (
    ERRORS,
    LocalAuthorityQuery,
    PhaseQuery,
    StoredStandardsQuery,
    TrustPath,
    UrnPath,
    VersionFrom,
    VersionTo,
)

router = APIRouter(prefix="/v1", tags=["trusts"])
T = TypeVar("T")

NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the If-None-Match ETag is still current; no body."}
}
READ_RESPONSES: dict[int | str, dict[str, Any]] = {**NOT_MODIFIED, **ERRORS}
IfNoneMatch = Annotated[
    str | None, Header(alias="If-None-Match", description="An ETag from an earlier response: 304 if still current.")
]
ExportFormat = Annotated[Literal["csv", "ndjson"], Query(description="csv (with a header row) or ndjson.")]
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson"}
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The rows, streamed.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    },
    **READ_RESPONSES,
}
CACHE_HEADERS = {"Cache-Control": "private, no-cache", "Vary": "Authorization"}


def places(phase: PhaseQuery = None, local_authority: LocalAuthorityQuery = None) -> dict[str, Any]:
    """The ?phase= and ?local_authority= filters of a trust view, as keyword arguments of its service call."""
    return {"phase": phase, "local_authority": local_authority}


PlacesDep = Annotated[dict[str, Any], Depends(places)]


def trust_filters(where: PlacesDep, standards: StoredStandardsQuery = None) -> TrustFilters:
    """The ?standards=, ?phase= and ?local_authority= filters of a trust view."""
    return TrustFilters(standards=standards, **where)


FiltersDep = Annotated[TrustFilters, Depends(trust_filters)]


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (weak comparison) or is '*'."""
    if header is None:
        return False
    wanted = etag.removeprefix("W/")
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


async def _check_etag(
    services: Services, principal: Principal, trust_id: str, view: str, params: dict[str, Any], header: str | None
) -> tuple[Response | None, dict[str, str]]:
    """(a 304 response when ``header`` names the view's current ETag, else None; the ETag and cache headers)."""
    etag = await services.run(
        trust_etag, principal=principal, trust_id=trust_id, view=view, params=params, today=today()
    )
    headers = {"ETag": etag, **CACHE_HEADERS}
    return (Response(status_code=304, headers=headers) if etag_matches(header, etag) else None), headers


async def conditional_read(
    services: Services,
    principal: Principal,
    response: Response,
    trust_id: str,
    *,
    view: str,
    etag_params: dict[str, Any],
    if_none_match: str | None,
    read: Callable[..., T],
    **arguments: Any,
) -> T | Response:
    """A trust read with an ETag made of the view and ``etag_params``: 304 when the caller's copy is current,
    otherwise ``read(**arguments)`` (with the catalogue, the key and the trust) with the ETag set."""
    not_modified, headers = await _check_etag(services, principal, trust_id, view, etag_params, if_none_match)
    if not_modified is not None:
        return not_modified
    response.headers.update(headers)
    return await services.run(read, catalog=services.catalog, principal=principal, trust_id=trust_id, **arguments)


async def stream_export(
    services: Services,
    principal: Principal,
    trust_id: str,
    table_name: str,
    fmt: str,
    filters: TrustFilters,
    if_none_match: str | None,
) -> Response:
    """A trust export streamed with an ETag (304 when the caller's copy is current) as an attachment."""
    view = f"export-{table_name}-{fmt}"
    not_modified, headers = await _check_etag(services, principal, trust_id, view, filters.as_params(), if_none_match)
    if not_modified is not None:
        return not_modified
    chunks = await services.run(
        open_export,
        catalog=services.catalog,
        principal=principal,
        trust_id=trust_id,
        table=table_name,
        fmt=fmt,
        today=today(),
        filters=filters,
    )
    headers["Content-Disposition"] = f'attachment; filename="{trust_id}-{table_name}.{fmt}"'
    return StreamingResponse(chunks, media_type=MEDIA_TYPES[fmt], headers=headers)


# ------------------------------------------------------------------------------------------------ trust reads


@router.get(
    "/trusts/{trust_id}/summary", operation_id="getTrustSummary", response_model=TrustSummary, responses=READ_RESPONSES
)
async def summary(
    services: ServicesDep,
    principal: PrincipalDep,
    response: Response,
    trust_id: TrustPath,
    filters: FiltersDep,
    if_none_match: IfNoneMatch = None,
) -> TrustSummary | Response:
    """Schools by band, each domain's average score and, per rule, how many schools fall short and the summed gap."""
    return await conditional_read(
        services,
        principal,
        response,
        trust_id,
        view="summary",
        etag_params=filters.as_params(),
        if_none_match=if_none_match,
        read=summarise_trust,
        filters=filters,
    )


@router.get(
    "/trusts/{trust_id}/schools",
    operation_id="listTrustSchools",
    response_model=TrustSchoolPage,
    responses=READ_RESPONSES,
)
async def schools(
    services: ServicesDep,
    principal: PrincipalDep,
    response: Response,
    trust_id: TrustPath,
    filters: FiltersDep,
    sort: Annotated[
        str,
        Query(
            pattern=r"^-?(score|name|audit_date|band)$",
            description="score, name, audit_date or band; '-' first for descending. Schools with no value come last.",
        ),
    ] = "name",
    limit: Annotated[int | None, Query(ge=1, le=200, description="Rows per page (default 20).")] = None,
    cursor: Annotated[str | None, Query(max_length=400, description="next_cursor of the previous page.")] = None,
    if_none_match: IfNoneMatch = None,
) -> TrustSchoolPage | Response:
    """The trust's schools, one row each with its latest report, sortable and a page at a time."""
    page = {"sort": sort, "limit": limit or services.settings.page_size, "cursor": cursor}
    return await conditional_read(
        services,
        principal,
        response,
        trust_id,
        view="schools",
        etag_params={**filters.as_params(), **page},
        if_none_match=if_none_match,
        read=list_trust_schools,
        today=today(),
        filters=filters,
        **page,
    )


@router.get(
    "/trusts/{trust_id}/trend", operation_id="getTrustTrend", response_model=TrustTrend, responses=READ_RESPONSES
)
async def trend(
    services: ServicesDep,
    principal: PrincipalDep,
    response: Response,
    trust_id: TrustPath,
    filters: FiltersDep,
    if_none_match: IfNoneMatch = None,
) -> TrustTrend | Response:
    """Each school's score by term (autumn, spring, summer of each academic year) and the trust's average per term."""
    return await conditional_read(
        services,
        principal,
        response,
        trust_id,
        view="trend",
        etag_params=filters.as_params(),
        if_none_match=if_none_match,
        read=trend_trust,
        filters=filters,
    )


# Version impact belongs to the lifecycle, but this trust-wide view is a trust read (with their ETag) and is
# registered here, between the trend and the exports, which keeps the API's order of paths.
@router.get(
    "/trusts/{trust_id}/impact",
    operation_id="getTrustImpact",
    response_model=TrustImpact,
    response_model_by_alias=True,
    responses=READ_RESPONSES,
)
async def impact(
    services: ServicesDep,
    principal: PrincipalDep,
    response: Response,
    trust_id: TrustPath,
    from_version: VersionFrom,
    to_version: VersionTo,
    where: PlacesDep,
    if_none_match: IfNoneMatch = None,
) -> TrustImpact | Response:
    """What changes for the trust's schools under another standards version: band changes and changed findings."""
    return await conditional_read(
        services,
        principal,
        response,
        trust_id,
        view="impact",
        etag_params={"from": from_version, "to": to_version, **where},
        if_none_match=if_none_match,
        read=impact_trust,
        old=from_version,
        new=to_version,
        **where,
    )


@router.get(
    "/trusts/{trust_id}/exports/schools",
    operation_id="exportTrustSchools",
    response_class=StreamingResponse,
    responses=EXPORT_RESPONSES,
)
async def export_schools(
    services: ServicesDep,
    principal: PrincipalDep,
    trust_id: TrustPath,
    filters: FiltersDep,
    format: ExportFormat = "csv",
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The whole schools table, streamed as CSV or NDJSON."""
    return await stream_export(services, principal, trust_id, "schools", format, filters, if_none_match)


@router.get(
    "/trusts/{trust_id}/exports/findings",
    operation_id="exportTrustFindings",
    response_class=StreamingResponse,
    responses=EXPORT_RESPONSES,
)
async def export_findings(
    services: ServicesDep,
    principal: PrincipalDep,
    trust_id: TrustPath,
    filters: FiltersDep,
    format: ExportFormat = "csv",
    if_none_match: IfNoneMatch = None,
) -> Response:
    """Every finding of every school's latest report (one row per rule), streamed as CSV or NDJSON."""
    return await stream_export(services, principal, trust_id, "findings", format, filters, if_none_match)


# ------------------------------------------------------------------------------------------------ one school


@router.get("/schools/{urn}/benchmark", operation_id="getSchoolBenchmark", response_model=Benchmark, responses=ERRORS)
async def benchmark(
    services: ServicesDep, principal: PrincipalDep, urn: UrnPath, standards: StoredStandardsQuery = None
) -> Benchmark:
    """The school's latest score as percentiles of its trust and of every school of its phase, on the same version.

    A group that holds schools outside the caller's trust is shown only when it has at least five schools.
    """
    return await services.run(
        benchmark_school, catalog=services.catalog, principal=principal, urn=urn, standards=standards
    )
