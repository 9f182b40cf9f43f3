"""Trust dashboards: roll-ups, the schools table, trends, exports, benchmarks and the standards lifecycle."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["trusts"])
