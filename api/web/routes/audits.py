"""Scoring and stored audits. Audit bodies are read raw so that validation gives the same messages as the CLI."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.service import audits
from api.web.deps import PrincipalDep, ServicesDep, json_body, today
from api.web.schemas import AuditDetail, AuditPage, AuditSubmitted, GapReportOut, Problem

router = APIRouter(prefix="/v1", tags=["audits"])
AUDIT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A self-audit (see the Audit schema): aggregate figures only; unknown fields are refused.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Audit"}}},
    }
}
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {"application/problem+json": {}}} for code in (400, 401, 403, 404, 413, 422)
}
StandardsQuery = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z][a-z0-9-]*@\d{4}\.\d+$",
        description="SET@VERSION, e.g. national@2026.1 "
        "(default: the newest national version in effect on the audit date).",
    ),
]
UrnPath = Annotated[str, Path(pattern=r"^\d{6}$", description="The school's 6-digit URN.")]
AuditIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The audit's id.")]


def _json(text: str, status: int = 200) -> Response:
    return Response(text, status_code=status, media_type="application/json")


@router.post(
    "/score", operation_id="scoreAudit", response_model=GapReportOut, responses=ERRORS, openapi_extra=AUDIT_BODY
)
async def score(
    request: Request, services: ServicesDep, principal: PrincipalDep, standards: StandardsQuery = None
) -> Response:
    """Score an audit without storing it, for what-if questions."""
    data = await json_body(request)
    report = services.scoring.validate_and_score(data, standards, today=today())
    return _json(report.to_json())


@router.post(
    "/schools/{urn}/audits",
    operation_id="submitAudit",
    status_code=201,
    response_model=AuditSubmitted,
    responses={**ERRORS, 409: {"model": Problem}, 503: {"model": Problem}},
    openapi_extra=AUDIT_BODY,
)
async def submit(
    request: Request,
    services: ServicesDep,
    principal: PrincipalDep,
    urn: UrnPath,
    standards: StandardsQuery = None,
    replaces: Annotated[
        str | None, Query(pattern=r"^[0-9a-f]{32}$", description="The id of the audit this one corrects.")
    ] = None,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=200,
            description="Repeat a submission safely: the same key and body return the first response.",
        ),
    ] = None,
) -> Response:
    """Store and score an audit (201). With an Idempotency-Key, a retry returns the first response."""
    data = await json_body(request)
    submission = await run_in_threadpool(
        audits.submit_audit,
        engine=services.engine,
        scoring=services.scoring,
        principal=principal,
        urn=urn,
        data=data,
        idempotency_key=idempotency_key,
        replaces=replaces,
        standards=standards,
        today=today(),
    )
    headers = {"Location": f"/v1/audits/{submission.audit.id}"}
    if not submission.created:
        headers["Idempotent-Replayed"] = "true"
    return Response(submission.response_json(), status_code=201, headers=headers, media_type="application/json")


@router.get("/schools/{urn}/audits", operation_id="listAudits", response_model=AuditPage, responses=ERRORS)
async def list_audits(
    services: ServicesDep,
    principal: PrincipalDep,
    urn: UrnPath,
    limit: Annotated[int | None, Query(ge=1, le=200, description="Items per page (default 20).")] = None,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor of the previous page.")] = None,
) -> dict[str, Any]:
    """A school's audits, newest first, a page at a time."""
    items, next_cursor = await run_in_threadpool(
        audits.list_school_audits,
        engine=services.engine,
        principal=principal,
        urn=urn,
        limit=limit or services.settings.page_size,
        cursor=cursor,
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get("/audits/{audit_id}", operation_id="getAudit", response_model=AuditDetail, responses=ERRORS)
async def get_audit(services: ServicesDep, principal: PrincipalDep, audit_id: AuditIdPath) -> dict[str, Any]:
    """One stored audit with its figures."""
    return await run_in_threadpool(audits.get_audit, engine=services.engine, principal=principal, audit_id=audit_id)


@router.get("/audits/{audit_id}/report", operation_id="getAuditReport", response_model=GapReportOut, responses=ERRORS)
async def get_report(
    services: ServicesDep, principal: PrincipalDep, audit_id: AuditIdPath, standards: StandardsQuery = None
) -> dict[str, Any]:
    """The stored report, or a fresh one against another standards version (the stored one is never changed)."""
    return await run_in_threadpool(
        audits.get_audit_report,
        engine=services.engine,
        scoring=services.scoring,
        principal=principal,
        audit_id=audit_id,
        standards=standards,
    )
