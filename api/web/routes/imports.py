"""Imports of public data files (admin): upload, run in the background, and read the job's status."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["imports"])
