"""The standards: public, no key needed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.rules.diff import diff_standards
from api.web.deps import ServicesDep
from api.web.params import problems
from api.web.schemas.standards import StandardsDetail, StandardsDiff, StandardsSummary

router = APIRouter(prefix="/v1/standards", tags=["standards"])
NOT_FOUND = problems(404)


@router.get("", operation_id="listStandards", response_model=list[StandardsSummary])
async def list_standards(services: ServicesDep) -> list[StandardsSummary]:
    """Every standards version."""
    return [StandardsSummary.of(s) for s in services.catalog.all()]


@router.get("/{set_name}/diff", operation_id="diffStandards", response_model=StandardsDiff, responses=NOT_FOUND)
async def diff(
    services: ServicesDep,
    set_name: str,
    from_version: Annotated[str, Query(alias="from", description="The older version, e.g. 2025.1")],
    to_version: Annotated[str, Query(alias="to", description="The newer version, e.g. 2026.1")],
) -> dict[str, Any]:
    """Rules added, removed and changed between two versions of a set."""
    catalog = services.catalog
    return diff_standards(catalog.get(f"{set_name}@{from_version}"), catalog.get(f"{set_name}@{to_version}"))


@router.get("/{set_name}/{version}", operation_id="getStandards", response_model=StandardsDetail, responses=NOT_FOUND)
async def get_standards(services: ServicesDep, set_name: str, version: str) -> StandardsDetail:
    """One version with its domains, bands and rules."""
    return StandardsDetail.of(services.catalog.get(f"{set_name}@{version}"))
