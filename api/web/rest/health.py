"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.storage.db import ping
from api.web.deps import ServicesDep
from api.web.params import problems

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """Liveness or readiness."""

    status: str
    checks: dict[str, str] = Field(default_factory=dict)


@router.get("/healthz", operation_id="healthz", response_model=Health)
async def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


@router.get("/readyz", operation_id="readyz", response_model=Health, responses=problems(503))
async def readyz(services: ServicesDep) -> Health:
    """The database answers and the standards are loaded; 503 problem+json otherwise."""
    await services.run(ping)
    return Health(status="ready", checks={"database": "ok", "standards": f"{len(services.catalog)} versions"})
