"""Trusts and schools."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from starlette.concurrency import run_in_threadpool

from api.service import schools
from api.web.deps import PrincipalDep, ServicesDep
from api.web.schemas import Problem, SchoolIn, SchoolOut, TrustIn, TrustOut

router = APIRouter(prefix="/v1", tags=["schools"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem},
    403: {"model": Problem},
    404: {"model": Problem},
    422: {"model": Problem},
}
TrustPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$", description="The trust's id.")]
UrnPath = Annotated[str, Path(pattern=r"^\d{6}$", description="The school's 6-digit URN.")]


@router.put(
    "/trusts/{trust_id}",
    operation_id="putTrust",
    response_model=TrustOut,
    responses={**ERRORS, 201: {"model": TrustOut, "description": "Created"}},
)
async def put_trust(
    services: ServicesDep, principal: PrincipalDep, trust_id: TrustPath, body: TrustIn, response: Response
) -> dict[str, Any]:
    """Create (201) or update (200) a trust. Admin keys only."""
    trust, created = await run_in_threadpool(
        schools.put_trust, engine=services.engine, principal=principal, trust_id=trust_id, name=body.name
    )
    response.status_code = 201 if created else 200
    return trust


@router.put(
    "/schools/{urn}",
    operation_id="putSchool",
    response_model=SchoolOut,
    responses={**ERRORS, 201: {"model": SchoolOut, "description": "Created"}},
)
async def put_school(
    services: ServicesDep, principal: PrincipalDep, urn: UrnPath, body: SchoolIn, response: Response
) -> dict[str, Any]:
    """Create (201) or update (200) a school and its trust. Admin keys only."""
    school, created = await run_in_threadpool(
        schools.put_school, engine=services.engine, principal=principal, urn=urn, fields=body.model_dump()
    )
    response.status_code = 201 if created else 200
    return school


@router.get("/schools/{urn}", operation_id="getSchool", response_model=SchoolOut, responses=ERRORS)
async def get_school(services: ServicesDep, principal: PrincipalDep, urn: UrnPath) -> dict[str, Any]:
    """A school this key may see."""
    return await run_in_threadpool(schools.get_school, engine=services.engine, principal=principal, urn=urn)
