"""Trusts and schools."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Response
from fastapi.types import DecoratedCallable
from pydantic import BaseModel

from api.service import schools
from api.service.schools import SchoolIn, SchoolOut, TrustIn, TrustOut
from api.web.deps import PrincipalDep, ServicesDep
from api.web.params import ERRORS, TrustPath, UrnPath

router = APIRouter(prefix="/v1", tags=["schools"])
Saved = TypeVar("Saved")


def _put(path: str, operation_id: str, model: type[BaseModel]) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """A PUT route answering ``model``: 201 when it created the item, 200 when it updated it."""
    created: dict[int | str, dict[str, Any]] = {201: {"model": model, "description": "Created"}}
    return router.put(path, operation_id=operation_id, response_model=model, responses={**ERRORS, **created})


def _saved(response: Response, result: tuple[Saved, bool]) -> Saved:
    """What a PUT stored, answering 201 when it was created and 200 when it was updated."""
    item, created = result
    response.status_code = 201 if created else 200
    return item


@_put("/trusts/{trust_id}", "putTrust", TrustOut)
async def put_trust(
    services: ServicesDep, principal: PrincipalDep, trust_id: TrustPath, body: TrustIn, response: Response
) -> TrustOut:
    """Create (201) or update (200) a trust. Admin keys only."""
    saved = await services.run(schools.put_trust, principal=principal, trust_id=trust_id, name=body.name)
    return _saved(response, saved)


@_put("/schools/{urn}", "putSchool", SchoolOut)
async def put_school(
    services: ServicesDep, principal: PrincipalDep, urn: UrnPath, body: SchoolIn, response: Response
) -> SchoolOut:
    """Create (201) or update (200) a school and its trust. Admin keys only."""
    saved = await services.run(schools.put_school, principal=principal, urn=urn, fields=body.model_dump())
    return _saved(response, saved)


@router.get("/schools/{urn}", operation_id="getSchool", response_model=SchoolOut, responses=ERRORS)
async def get_school(services: ServicesDep, principal: PrincipalDep, urn: UrnPath) -> SchoolOut:
    """A school this key may see."""
    return await services.run(schools.get_school, principal=principal, urn=urn)
