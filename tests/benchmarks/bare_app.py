"""The framework's ceiling for the API benchmark: one POST endpoint that only validates an audit body.

FastAPI parses the JSON body and validates it against :class:`api.contract.model.Audit` (the same pydantic model the
service validates audits with), then answers a small JSON object. Nothing is scored or stored, and there is no
middleware, authentication or database. Run with ``uvicorn --factory tests.benchmarks.bare_app:create_app``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from api.contract.model import Audit

PATH = "/bare"


def create_app() -> FastAPI:
    """The bare app."""
    app = FastAPI(title="OAP benchmark: bare FastAPI ceiling", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post(PATH)
    async def validate_only(audit: Audit) -> dict[str, Any]:
        return {"ok": True}

    return app
