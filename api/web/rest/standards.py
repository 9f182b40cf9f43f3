"""The standards: public, no key needed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.contract.json_schema import audit_json_schema
from api.rules.diff import diff_standards
from api.web.deps import ServicesDep
from api.web.params import problems
from api.web.schemas.standards import (
    StandardsDetail,
    StandardsDiff,
    StandardsErrata,
    StandardsQuestions,
    StandardsSummary,
)

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


@router.get(
    "/{set_name}/{version}/questions",
    operation_id="getStandardsQuestions",
    response_model=StandardsQuestions,
    responses=NOT_FOUND,
)
async def get_questions(services: ServicesDep, set_name: str, version: str) -> StandardsQuestions:
    """The questions a version asks, in order, by the sections of the form: kind, label, hint, unit, limits and
    choices of each."""
    return StandardsQuestions.of(services.catalog.get(f"{set_name}@{version}"))


@router.get(
    "/{set_name}/{version}/errata",
    operation_id="getStandardsErrata",
    response_model=StandardsErrata,
    responses=NOT_FOUND,
)
async def get_errata(services: ServicesDep, set_name: str, version: str) -> StandardsErrata:
    """The known errors of a version: for each, the rule, how grave it is, what is wrong, what a report under the
    version may show wrongly, and the version that corrects it once there is one. An overlay lists its own and
    those of the version it extends, for the rules it inherits unchanged. Published versions never change, so their
    errors are recorded here (and shown on the reports), not corrected in place."""
    return StandardsErrata.of(services.catalog.get(f"{set_name}@{version}"))


class SchemaResponse(JSONResponse):
    """A JSON Schema document (``application/schema+json``)."""

    media_type = "application/schema+json"


@router.get(
    "/{set_name}/{version}/audit-schema",
    operation_id="getAuditSchema",
    response_class=SchemaResponse,
    responses={
        200: {
            "description": "A JSON Schema (draft 2020-12) of the audit body this version accepts.",
            "content": {SchemaResponse.media_type: {"schema": {"type": "object"}}},
        },
        **NOT_FOUND,
    },
)
async def get_audit_schema(services: ServicesDep, set_name: str, version: str) -> SchemaResponse:
    """The audit body a version accepts, as a JSON Schema made from its questions (for validating before sending)."""
    standards = services.catalog.get(f"{set_name}@{version}")
    return SchemaResponse(audit_json_schema(standards.questions, title=f"A self-audit for {standards.ref}"))
