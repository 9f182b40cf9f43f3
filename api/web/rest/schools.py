"""Trusts and schools."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.service import schools
from api.web.deps import PrincipalDep, ServicesDep
from api.web.params import ERRORS, TrustPath, UrnPath
from api.web.schemas.common import SchoolIn, SchoolOut, TrustIn, TrustOut

router = APIRouter(prefix="/v1", tags=["schools"])


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
    trust, created = await services.run(schools.put_trust, principal=principal, trust_id=trust_id, name=body.name)
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
    school, created = await services.run(schools.put_school, principal=principal, urn=urn, fields=body.model_dump())
    response.status_code = 201 if created else 200
    return school


@router.get("/schools/{urn}", operation_id="getSchool", response_model=SchoolOut, responses=ERRORS)
async def get_school(services: ServicesDep, principal: PrincipalDep, urn: UrnPath) -> dict[str, Any]:
    """A school this key may see."""
    return await services.run(schools.get_school, principal=principal, urn=urn)
