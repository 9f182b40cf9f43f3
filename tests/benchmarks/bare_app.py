"""The framework's ceiling for the API benchmark: one POST endpoint that only validates an audit body.

FastAPI parses the JSON body and validates it against the audit model of the newest national version's questions
(:func:`api.contract.question_model.audit_model`, the model the service validates such an audit with), then answers
a small JSON object. Nothing is scored or stored, and there is no middleware, authentication or database. Run with
``uvicorn --factory tests.benchmarks.bare_app:create_app``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from api.contract.question_model import audit_model
from api.rules.catalog import load_catalog

PATH = "/bare"


def create_app() -> FastAPI:
    """The bare app (loads the bundled standards to build the audit model)."""
    model = audit_model(load_catalog().newest("national").questions)
    app = FastAPI(title="OAP benchmark: bare FastAPI ceiling", docs_url=None, redoc_url=None, openapi_url=None)

    async def validate_only(audit: Any) -> dict[str, Any]:
        return {"ok": True}

    validate_only.__annotations__["audit"] = model  # the body's model is built from the questions at run time
    app.post(PATH)(validate_only)
    return app
