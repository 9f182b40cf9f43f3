"""Trust dashboards over JSON: the summary, the schools table, the trend, version impact, exports and benchmarks.

Dashboards count each school by its latest complete report: a newer audit whose report is incomplete (questions
left blank) is never counted, only named in the school's row (``newer_incomplete_audit_id``, ``newer_incomplete_on``).

Trust reads carry a weak ETag computed from one cheap query (counts and latest change times of the trust's
reports, schools, sign-offs and exceptions, plus the view's parameters and today's date) before the expensive
aggregation runs; a matching ``If-None-Match`` gets 304 with no body.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class TrustRead:
    """A request for a view of one trust: who asks, for which trust, and the ETag the caller already holds."""

    services: Services
    principal: Principal
    response: Response
    trust_id: str
    if_none_match: str | None

    async def _check(self, view: str, params: Mapping[str, Any]) -> tuple[Response | None, dict[str, str]]:
        """(304 when the caller's ETag is the view's current one, else None; the ETag and cache headers)."""
        etag = await self.services.run(
            trust_etag, principal=self.principal, trust_id=self.trust_id, view=view, params=params, today=today()
        )
        headers = {"ETag": etag, **CACHE_HEADERS}
        return (Response(status_code=304, headers=headers) if etag_matches(self.if_none_match, etag) else None), headers

    async def answer(
        self, view: str, params: Mapping[str, Any], read: Callable[..., T], **arguments: Any
    ) -> T | Response:
        """The conditional read: 304 when the caller's copy of the view (made with ``params``) is current, otherwise
        ``read(**arguments)`` (given the catalogue, the key and the trust) with the ETag set."""
        not_modified, headers = await self._check(view, params)
        if not_modified is not None:
            return not_modified
        self.response.headers.update(headers)
        return await self.services.run(
            read, catalog=self.services.catalog, principal=self.principal, trust_id=self.trust_id, **arguments
        )

    async def export(self, table: str, fmt: str, filters: TrustFilters) -> Response:
        """The export of ``table`` ('schools' or 'findings') as ``fmt``, streamed as an attachment with its ETag
        (304 when the caller's copy is current)."""
        not_modified, headers = await self._check(f"export-{table}-{fmt}", filters.as_params())
        if not_modified is not None:
            return not_modified
        chunks = await self.services.run(
            open_export,
            catalog=self.services.catalog,
            principal=self.principal,
            trust_id=self.trust_id,
            table=table,
            fmt=fmt,
            today=today(),
            filters=filters,
        )
        headers["Content-Disposition"] = f'attachment; filename="{self.trust_id}-{table}.{fmt}"'
        return StreamingResponse(chunks, media_type=MEDIA_TYPES[fmt], headers=headers)


async def trust_read(
    services: ServicesDep,
    principal: PrincipalDep,
    response: Response,
    trust_id: TrustPath,
    if_none_match: IfNoneMatch = None,
) -> TrustRead:
    """The request for a trust view, from its path and headers."""
    return TrustRead(services, principal, response, trust_id, if_none_match)


TrustReadDep = Annotated[TrustRead, Depends(trust_read)]


# ------------------------------------------------------------------------------------------------ trust reads


@router.get(
    "/trusts/{trust_id}/summary", operation_id="getTrustSummary", response_model=TrustSummary, responses=READ_RESPONSES
)
async def summary(trust: TrustReadDep, filters: FiltersDep) -> TrustSummary | Response:
    """Schools by band, each domain's average score and, per rule, how many schools fall short and the summed gap.

    Each school counts by its latest complete report; schools whose audits are all incomplete are counted as
    having no complete audit and left out of the figures.
    """
    return await trust.answer("summary", filters.as_params(), summarise_trust, filters=filters)


@router.get(
    "/trusts/{trust_id}/schools",
    operation_id="listTrustSchools",
    response_model=TrustSchoolPage,
    responses=READ_RESPONSES,
)
async def schools(
    trust: TrustReadDep,
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
) -> TrustSchoolPage | Response:
    """The trust's schools, one row each with its latest complete report, sortable and a page at a time.

    A row names the school's newer audit when that audit is incomplete and so not counted.
    """
    page = {"sort": sort, "limit": limit or trust.services.settings.page_size, "cursor": cursor}
    params = {**filters.as_params(), **page}
    return await trust.answer("schools", params, list_trust_schools, today=today(), filters=filters, **page)


@router.get(
    "/trusts/{trust_id}/trend", operation_id="getTrustTrend", response_model=TrustTrend, responses=READ_RESPONSES
)
async def trend(trust: TrustReadDep, filters: FiltersDep) -> TrustTrend | Response:
    """Each school's score by term (autumn, spring, summer of each academic year) and the trust's average per term.

    A school's point in a term is its latest complete audit of the term; incomplete audits are left out.
    """
    return await trust.answer("trend", filters.as_params(), trend_trust, filters=filters)


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
    trust: TrustReadDep, from_version: VersionFrom, to_version: VersionTo, where: PlacesDep
) -> TrustImpact | Response:
    """What changes for the trust's schools under another standards version: band changes and changed findings."""
    params = {"from": from_version, "to": to_version, **where}
    return await trust.answer("impact", params, impact_trust, old=from_version, new=to_version, **where)


@router.get(
    "/trusts/{trust_id}/exports/schools",
    operation_id="exportTrustSchools",
    response_class=StreamingResponse,
    responses=EXPORT_RESPONSES,
)
async def export_schools(trust: TrustReadDep, filters: FiltersDep, format: ExportFormat = "csv") -> Response:
    """The whole schools table (each school's latest complete report, and its newer incomplete audit if any),
    streamed as CSV or NDJSON."""
    return await trust.export("schools", format, filters)


@router.get(
    "/trusts/{trust_id}/exports/findings",
    operation_id="exportTrustFindings",
    response_class=StreamingResponse,
    responses=EXPORT_RESPONSES,
)
async def export_findings(trust: TrustReadDep, filters: FiltersDep, format: ExportFormat = "csv") -> Response:
    """Every finding of every school's latest complete report (one row per rule), streamed as CSV or NDJSON."""
    return await trust.export("findings", format, filters)


# ------------------------------------------------------------------------------------------------ one school


@router.get("/schools/{urn}/benchmark", operation_id="getSchoolBenchmark", response_model=Benchmark, responses=ERRORS)
async def benchmark(
    services: ServicesDep, principal: PrincipalDep, urn: UrnPath, standards: StoredStandardsQuery = None
) -> Benchmark:
    """The school's latest complete score as percentiles of its trust and of every school of its phase, on the same
    version; every school is counted by its latest complete report.

    A group that holds schools outside the caller's trust is shown only when it has at least five schools.
    """
    return await services.run(
        benchmark_school, catalog=services.catalog, principal=principal, urn=urn, standards=standards
    )
