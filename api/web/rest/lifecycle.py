"""The standards lifecycle over JSON: what changes for one school under another standards version.

The trust-wide impact (``GET /v1/trusts/{trust_id}/impact``) is a trust read with an ETag, so it is registered
with the other trust reads in :mod:`api.web.rest.trusts`.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.service.lifecycle.impact import impact_school
from api.service.lifecycle.models import SchoolImpact
from api.web.deps import PrincipalDep, ServicesDep
from api.web.params import ERRORS, UrnPath, VersionFrom, VersionTo

router = APIRouter(prefix="/v1", tags=["trusts"])


@router.get(
    "/schools/{urn}/impact",
    operation_id="getSchoolImpact",
    response_model=SchoolImpact,
    response_model_by_alias=True,
    responses=ERRORS,
)
async def school_impact(
    services: ServicesDep, principal: PrincipalDep, urn: UrnPath, from_version: VersionFrom, to_version: VersionTo
) -> SchoolImpact:
    """What changes for the school's latest audit under another standards version."""
    return await services.run(
        impact_school, catalog=services.catalog, principal=principal, urn=urn, old=from_version, new=to_version
    )
