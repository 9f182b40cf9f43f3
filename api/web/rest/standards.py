"""The standards: public, no key needed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.rules.catalog import Standards
from api.rules.diff import diff_standards
from api.web.deps import ServicesDep
from api.web.params import problems
from api.web.schemas.common import StandardsDetail, StandardsDiff, StandardsSummary

router = APIRouter(prefix="/v1/standards", tags=["standards"])
NOT_FOUND = problems(404)


def _summary(standards: Standards) -> dict[str, Any]:
    return {
        "set": standards.set,
        "version": standards.version,
        "sha256": standards.sha256,
        "title": standards.title,
        "status": standards.status.value,
        "effective_from": standards.effective_from.isoformat(),
        "extends": standards.extends.ref if standards.extends else None,
        "rules": len(standards.rules),
    }


@router.get("", operation_id="listStandards", response_model=list[StandardsSummary])
async def list_standards(services: ServicesDep) -> list[dict[str, Any]]:
    """Every standards version."""
    return [_summary(s) for s in services.catalog.all()]


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
async def get_standards(services: ServicesDep, set_name: str, version: str) -> dict[str, Any]:
    """One version with its domains, bands and rules."""
    standards = services.catalog.get(f"{set_name}@{version}")
    return {
        **_summary(standards),
        "summary": standards.summary,
        "supersedes": standards.supersedes,
        "domains": [d.model_dump(mode="json") for d in standards.domains],
        "bands": [b.model_dump(mode="json") for b in standards.bands],
        "rules": [r.model_dump(mode="json", exclude_none=True) for r in standards.rules],
        "switched_off": [o.model_dump(mode="json") for o in standards.switched_off],
    }
