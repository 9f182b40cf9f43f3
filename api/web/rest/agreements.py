"""Agreed exceptions and governors' sign-offs over JSON, and the report adjusted for the exceptions."""

from __future__ import annotations

from fastapi import APIRouter

from api.service.agreements import adjusted, exceptions, sign_offs
from api.service.agreements.models import AdjustedReport as AdjustedReportResult
from api.service.agreements.models import ExceptionOut, SignOffOut
from api.web.deps import PrincipalDep, ServicesDep, today
from api.web.params import ERRORS, AuditIdPath, ExceptionIdPath, StoredStandardsQuery, UrnPath, problems
from api.web.schemas.trusts import AdjustedReport, ExceptionIn, SignOffIn

router = APIRouter(prefix="/v1", tags=["trusts"])


@router.post(
    "/schools/{urn}/exceptions",
    operation_id="recordException",
    status_code=201,
    response_model=ExceptionOut,
    responses=ERRORS,
)
async def record_exception(
    services: ServicesDep, principal: PrincipalDep, urn: UrnPath, body: ExceptionIn
) -> ExceptionOut:
    """Record an agreed exception to one rule (school, trust and admin keys; governors read only)."""
    return await services.run(
        exceptions.record_exception,
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
async def list_exceptions(services: ServicesDep, principal: PrincipalDep, urn: UrnPath) -> list[ExceptionOut]:
    """Every exception the school has recorded, active, expired and withdrawn, newest first."""
    return await services.run(exceptions.list_school_exceptions, principal=principal, urn=urn, today=today())


@router.post(
    "/exceptions/{exception_id}/withdraw",
    operation_id="withdrawException",
    response_model=ExceptionOut,
    responses=problems(400, 401, 403, 404, 409, 422),
)
async def withdraw_exception(
    services: ServicesDep, principal: PrincipalDep, exception_id: ExceptionIdPath
) -> ExceptionOut:
    """Withdraw an exception: it stops counting at once and is kept on record."""
    return await services.run(
        exceptions.withdraw_exception, principal=principal, exception_id=exception_id, today=today()
    )


@router.get(
    "/audits/{audit_id}/adjusted-report",
    operation_id="getAdjustedReport",
    response_model=AdjustedReport,
    responses=ERRORS,
)
async def adjusted_report(
    services: ServicesDep, principal: PrincipalDep, audit_id: AuditIdPath, standards: StoredStandardsQuery = None
) -> AdjustedReportResult:
    """The report with its raw score, its score with agreed exceptions left out, and the school's exceptions."""
    return await services.run(
        adjusted.get_adjusted_report,
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
) -> SignOffOut:
    """A governor confirms having reviewed the audit's report (the submission report unless ?standards=)."""
    return await services.run(
        sign_offs.sign_off_report,
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
async def list_sign_offs(services: ServicesDep, principal: PrincipalDep, audit_id: AuditIdPath) -> list[SignOffOut]:
    """Every sign-off of the audit's reports, newest first."""
    return await services.run(sign_offs.list_report_sign_offs, principal=principal, audit_id=audit_id)
