"""Scoring and stored audits. Audit bodies are read raw so that validation gives the same messages as the CLI."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response

from api.engine.report_body import ReportBody
from api.service import audits
from api.service.audits import AuditDetail, AuditPage
from api.web.deps import PrincipalDep, ServicesDep, json_body, today
from api.web.params import HEX_ID, AuditIdPath, StandardsQuery, UrnPath, problems
from api.web.schemas.reports import AuditSubmitted, GapReportOut

router = APIRouter(prefix="/v1", tags=["audits"])
AUDIT_ERRORS = problems(400, 401, 403, 404, 413, 422)  # every audit route reads a body or may be sent one
AUDIT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A self-audit (see the Audit schema): aggregate figures only; unknown fields are refused.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Audit"}}},
    }
}


def _json(text: str, status: int = 200) -> Response:
    return Response(text, status_code=status, media_type="application/json")


@router.post(
    "/score",
    operation_id="scoreAudit",
    response_model=GapReportOut,
    responses=AUDIT_ERRORS,
    openapi_extra=AUDIT_BODY,
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
    responses=problems(400, 401, 403, 404, 409, 413, 422, 503),
    openapi_extra=AUDIT_BODY,
)
async def submit(
    request: Request,
    services: ServicesDep,
    principal: PrincipalDep,
    urn: UrnPath,
    standards: StandardsQuery = None,
    replaces: Annotated[str | None, Query(pattern=HEX_ID, description="The id of the audit this one corrects.")] = None,
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
    submission = await services.submit(
        principal=principal,
        urn=urn,
        data=data,
        source="api",
        idempotency_key=idempotency_key,
        replaces=replaces,
        standards=standards,
    )
    headers = {"Location": f"/v1/audits/{submission.audit.id}"}
    if not submission.created:
        headers["Idempotent-Replayed"] = "true"
    return Response(submission.response_json(), status_code=201, headers=headers, media_type="application/json")


@router.get("/schools/{urn}/audits", operation_id="listAudits", response_model=AuditPage, responses=AUDIT_ERRORS)
async def list_audits(
    services: ServicesDep,
    principal: PrincipalDep,
    urn: UrnPath,
    limit: Annotated[int | None, Query(ge=1, le=200, description="Items per page (default 20).")] = None,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor of the previous page.")] = None,
) -> AuditPage:
    """A school's audits, newest first, a page at a time."""
    return await services.run(
        audits.list_school_audits,
        principal=principal,
        urn=urn,
        limit=limit or services.settings.page_size,
        cursor=cursor,
    )


@router.get("/audits/{audit_id}", operation_id="getAudit", response_model=AuditDetail, responses=AUDIT_ERRORS)
async def get_audit(services: ServicesDep, principal: PrincipalDep, audit_id: AuditIdPath) -> AuditDetail:
    """One stored audit with its figures."""
    return await services.run(audits.get_audit, principal=principal, audit_id=audit_id)


@router.get(
    "/audits/{audit_id}/report", operation_id="getAuditReport", response_model=GapReportOut, responses=AUDIT_ERRORS
)
async def get_report(
    services: ServicesDep, principal: PrincipalDep, audit_id: AuditIdPath, standards: StandardsQuery = None
) -> ReportBody:
    """The stored report, or a fresh one against another standards version (the stored one is never changed)."""
    return await services.run(
        audits.get_audit_report, scoring=services.scoring, principal=principal, audit_id=audit_id, standards=standards
    )
