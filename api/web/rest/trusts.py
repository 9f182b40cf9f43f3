"""Trust dashboards: roll-ups, the schools table, trends, exports, benchmarks and the standards lifecycle.

Trust reads carry a weak ETag computed from one cheap query (counts and latest change times of the trust's
reports, schools, sign-offs and exceptions, plus the view's parameters and today's date) before the expensive
aggregation runs; a matching ``If-None-Match`` gets 304 with no body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import StreamingResponse

from api.service import agreements, trusts
from api.service.access import Principal
from api.web.deps import PrincipalDep, Services, ServicesDep, today
from api.web.params import (
    ERRORS,
    AuditIdPath,
    ExceptionIdPath,
    LocalAuthorityQuery,
    PhaseQuery,
    StoredStandardsQuery,
    TrustPath,
    UrnPath,
    VersionFrom,
    VersionTo,
    problems,
)
from api.web.schemas.trusts import (
    AdjustedReport,
    Benchmark,
    ExceptionIn,
    ExceptionOut,
    SchoolImpact,
    SignOffIn,
    SignOffOut,
    TrustImpact,
    TrustSchoolPage,
    TrustSummary,
    TrustTrend,
)

router = APIRouter(prefix="/v1", tags=["trusts"])


NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the If-None-Match ETag is still current; no body."}
}
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
    **NOT_MODIFIED,
    **ERRORS,
}


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


CACHE_HEADERS = {"Cache-Control": "private, no-cache", "Vary": "Authorization"}


async def _etag(
    services: Services, principal: Principal, trust_id: str, view: str, params: dict[str, Any]
) -> tuple[str, dict[str, str]]:
    etag = await services.run(
        trusts.trust_etag,
        principal=principal,
        trust_id=trust_id,
        view=view,
        params=params,
        today=today(),
    )
    return etag, {"ETag": etag, **CACHE_HEADERS}


async def _conditional_read(
    services: Services,
    principal: Principal,
    response: Response,
    trust_id: str,
    *,
    view: str,
    etag_params: dict[str, Any],
    if_none_match: str | None,
    read: Callable[..., Any],
    **arguments: Any,
) -> Any:
    """A trust read with an ETag: 304 when the caller's copy is current, otherwise ``read`` with the ETag set."""
    etag, headers = await _etag(services, principal, trust_id, view, etag_params)
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return await services.run(read, catalog=services.catalog, principal=principal, trust_id=trust_id, **arguments)


# ------------------------------------------------------------------------------------------------ trust reads


@router.get(
    "/trusts/{trust_id}/summary",
    operation_id="getTrustSummary",
    response_model=TrustSummary,
    responses={**NOT_MODIFIED, **ERRORS},
)
async def summary(
    services: ServicesDep,
    principal: PrincipalDep,
    response: Response,
    trust_id: TrustPath,
    standards: StoredStandardsQuery = None,
    phase: PhaseQuery = None,
    local_authority: LocalAuthorityQuery = None,
    if_none_match: IfNoneMatch = None,
) -> Any:
    """Schools by band, each domain's average score and, per rule, how many schools fall short and the summed gap."""
    params = {"standards": standards, "phase": phase, "local_authority": local_authority}
    return await _conditional_read(
        services,
        principal,
        response,
        trust_id,
        view="summary",
        etag_params=params,
        if_none_match=if_none_match,
        read=trusts.summarise_trust,
        **params,
    )


@router.get(
    "/trusts/{trust_id}/schools",
    operation_id="listTrustSchools",
    response_model=TrustSchoolPage,
    responses={**NOT_MODIFIED, **ERRORS},
)
async def schools(
    services: ServicesDep,
    principal: PrincipalDep,
    response: Response,
    trust_id: TrustPath,
    sort: Annotated[
        str,
        Query(
            pattern=r"^-?(score|name|audit_date|band)$",
            description="score, name, audit_date or band; '-' first for descending. Schools with no value come last.",
        ),
    ] = "name",
    limit: Annotated[int | None, Query(ge=1, le=200, description="Rows per page (default 20).")] = None,
    cursor: Annotated[str | None, Query(max_length=400, description="next_cursor of the previous page.")] = None,
    standards: StoredStandardsQuery = None,
    phase: PhaseQuery = None,
    local_authority: LocalAuthorityQuery = None,
    if_none_match: IfNoneMatch = None,
) -> Any:
    """The trust's schools, one row each with its latest report, sortable and a page at a time."""
    page_size = limit or services.settings.page_size
    params = {"standards": standards, "phase": phase, "local_authority": local_authority}
    page_params = {"sort": sort, "limit": page_size, "cursor": cursor}
    return await _conditional_read(
        services,
        principal,
        response,
        trust_id,
        view="schools",
        etag_params={**params, **page_params},
        if_none_match=if_none_match,
        read=trusts.list_trust_schools,
        today=today(),
        **page_params,
        **params,
    )


@router.get(
    "/trusts/{trust_id}/trend",
    operation_id="getTrustTrend",
    response_model=TrustTrend,
    responses={**NOT_MODIFIED, **ERRORS},
)
async def trend(
    services: ServicesDep,
    principal: PrincipalDep,
    response: Response,
    trust_id: TrustPath,
    standards: StoredStandardsQuery = None,
    phase: PhaseQuery = None,
    local_authority: LocalAuthorityQuery = None,
    if_none_match: IfNoneMatch = None,
) -> Any:
    """Each school's score by term (autumn, spring, summer of each academic year) and the trust's average per term."""
    params = {"standards": standards, "phase": phase, "local_authority": local_authority}
    return await _conditional_read(
        services,
        principal,
        response,
        trust_id,
        view="trend",
        etag_params=params,
        if_none_match=if_none_match,
        read=trusts.trend_trust,
        **params,
    )


@router.get(
    "/trusts/{trust_id}/impact",
    operation_id="getTrustImpact",
    response_model=TrustImpact,
    response_model_by_alias=True,
    responses={**NOT_MODIFIED, **ERRORS},
)
async def impact(
    services: ServicesDep,
    principal: PrincipalDep,
    response: Response,
    trust_id: TrustPath,
    from_version: VersionFrom,
    to_version: VersionTo,
    phase: PhaseQuery = None,
    local_authority: LocalAuthorityQuery = None,
    if_none_match: IfNoneMatch = None,
) -> Any:
    """What changes for the trust's schools under another standards version: band changes and changed findings."""
    params = {"from": from_version, "to": to_version, "phase": phase, "local_authority": local_authority}
    return await _conditional_read(
        services,
        principal,
        response,
        trust_id,
        view="impact",
        etag_params=params,
        if_none_match=if_none_match,
        read=trusts.impact_trust,
        old=from_version,
        new=to_version,
        phase=phase,
        local_authority=local_authority,
    )


async def _export(
    services: Services,
    principal: Principal,
    trust_id: str,
    table: str,
    fmt: str,
    params: dict[str, Any],
    if_none_match: str | None,
) -> Response:
    etag, headers = await _etag(services, principal, trust_id, f"export-{table}-{fmt}", params)
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    chunks = await services.run(
        trusts.open_export,
        catalog=services.catalog,
        principal=principal,
        trust_id=trust_id,
        table=table,
        fmt=fmt,
        today=today(),
        **params,
    )
    headers["Content-Disposition"] = f'attachment; filename="{trust_id}-{table}.{fmt}"'
    return StreamingResponse(chunks, media_type=MEDIA_TYPES[fmt], headers=headers)


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
    format: ExportFormat = "csv",
    standards: StoredStandardsQuery = None,
    phase: PhaseQuery = None,
    local_authority: LocalAuthorityQuery = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The whole schools table, streamed as CSV or NDJSON."""
    params = {"standards": standards, "phase": phase, "local_authority": local_authority}
    return await _export(services, principal, trust_id, "schools", format, params, if_none_match)


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
    format: ExportFormat = "csv",
    standards: StoredStandardsQuery = None,
    phase: PhaseQuery = None,
    local_authority: LocalAuthorityQuery = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """Every finding of every school's latest report (one row per rule), streamed as CSV or NDJSON."""
    params = {"standards": standards, "phase": phase, "local_authority": local_authority}
    return await _export(services, principal, trust_id, "findings", format, params, if_none_match)


# ------------------------------------------------------------------------------------------------ one school


@router.get("/schools/{urn}/benchmark", operation_id="getSchoolBenchmark", response_model=Benchmark, responses=ERRORS)
async def benchmark(
    services: ServicesDep, principal: PrincipalDep, urn: UrnPath, standards: StoredStandardsQuery = None
) -> dict[str, Any]:
    """The school's latest score as percentiles of its trust and of every school of its phase, on the same version.

    A group that holds schools outside the caller's trust is shown only when it has at least five schools.
    """
    return await services.run(
        trusts.benchmark_school,
        catalog=services.catalog,
        principal=principal,
        urn=urn,
        standards=standards,
    )


@router.get(
    "/schools/{urn}/impact",
    operation_id="getSchoolImpact",
    response_model=SchoolImpact,
    response_model_by_alias=True,
    responses=ERRORS,
)
async def school_impact(
    services: ServicesDep, principal: PrincipalDep, urn: UrnPath, from_version: VersionFrom, to_version: VersionTo
) -> dict[str, Any]:
    """What changes for the school's latest audit under another standards version."""
    return await services.run(
        trusts.impact_school,
        catalog=services.catalog,
        principal=principal,
        urn=urn,
        old=from_version,
        new=to_version,
    )


@router.post(
    "/schools/{urn}/exceptions",
    operation_id="recordException",
    status_code=201,
    response_model=ExceptionOut,
    responses=ERRORS,
)
async def record_exception(
    services: ServicesDep, principal: PrincipalDep, urn: UrnPath, body: ExceptionIn
) -> dict[str, Any]:
    """Record an agreed exception to one rule (school, trust and admin keys; governors read only)."""
    return await services.run(
        agreements.record_exception,
        catalog=services.catalog,
        principal=principal,
        urn=urn,
        fields=body.model_dump(),
        today=today(),
    )


@router.get(
    "/schools/{urn}/exceptions",
    operation_id="listExceptions",
    response_model=list[ExceptionOut],
    responses=ERRORS,
)
async def list_exceptions(services: ServicesDep, principal: PrincipalDep, urn: UrnPath) -> list[dict[str, Any]]:
    """Every exception the school has recorded, active, expired and withdrawn, newest first."""
    return await services.run(agreements.list_school_exceptions, principal=principal, urn=urn, today=today())


@router.post(
    "/exceptions/{exception_id}/withdraw",
    operation_id="withdrawException",
    response_model=ExceptionOut,
    responses=problems(400, 401, 403, 404, 409, 422),
)
async def withdraw_exception(
    services: ServicesDep, principal: PrincipalDep, exception_id: ExceptionIdPath
) -> dict[str, Any]:
    """Withdraw an exception: it stops counting at once and is kept on record."""
    return await services.run(
        agreements.withdraw_exception,
        principal=principal,
        exception_id=exception_id,
        today=today(),
    )


@router.get(
    "/audits/{audit_id}/adjusted-report",
    operation_id="getAdjustedReport",
    response_model=AdjustedReport,
    responses=ERRORS,
)
async def adjusted_report(
    services: ServicesDep, principal: PrincipalDep, audit_id: AuditIdPath, standards: StoredStandardsQuery = None
) -> dict[str, Any]:
    """The report with its raw score, its score with agreed exceptions left out, and the school's exceptions."""
    return await services.run(
        agreements.get_adjusted_report,
        scoring=services.scoring,
        principal=principal,
        audit_id=audit_id,
        today=today(),
        standards=standards,
    )


@router.post(
    "/audits/{audit_id}/sign-off",
    operation_id="signOffReport",
    status_code=201,
    response_model=SignOffOut,
    responses=ERRORS,
)
async def sign_off(
    services: ServicesDep,
    principal: PrincipalDep,
    audit_id: AuditIdPath,
    body: SignOffIn,
    standards: StoredStandardsQuery = None,
) -> dict[str, Any]:
    """A governor confirms having reviewed the audit's report (the submission report unless ?standards=)."""
    return await services.run(
        agreements.sign_off_report,
        principal=principal,
        audit_id=audit_id,
        reviewer_name=body.reviewer_name,
        note=body.note or None,
        standards=standards,
    )


@router.get(
    "/audits/{audit_id}/sign-offs",
    operation_id="listSignOffs",
    response_model=list[SignOffOut],
    responses=ERRORS,
)
async def list_sign_offs(services: ServicesDep, principal: PrincipalDep, audit_id: AuditIdPath) -> list[dict[str, Any]]:
    """Every sign-off of the audit's reports, newest first."""
    return await services.run(agreements.list_report_sign_offs, principal=principal, audit_id=audit_id)
