"""``create_app(settings)``: the FastAPI application, built from settings with nothing made at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles

from api import __version__
from api.config import Settings, get_settings
from api.contract.question_model import audit_model
from api.rules.catalog import Catalog, load_catalog
from api.service.access import KeyCache
from api.service.scoring import DEFAULT_SET, ScoringService
from api.storage.db import make_engine
from api.web import pages, problems
from api.web.deps import Services
from api.web.logs import configure_logging
from api.web.middleware import BodyLimit, RequestContext
from api.web.params import problem_doc
from api.web.rest import agreements, audits, health, imports, lifecycle, schools, standards, trusts
from api.web.schemas.problems import Problem

STATIC = Path(__file__).parent / "static"
DESCRIPTION = """Checks a school's self-audit of ordinarily available provision for pupils with special educational
needs and disabilities (SEND) against versioned national inclusion standards, and returns a gap report.

Every endpoint except health and standards needs an API key: `Authorization: Bearer oap_…`. Errors are
problem+json (RFC 9457) with a stable `code` and, for invalid input, every problem by field path. An object
outside a key's reach answers 404, so existence does not leak."""


def create_app(
    settings: Settings | None = None, *, catalog: Catalog | None = None, key_cache_seconds: float = 10.0
) -> FastAPI:
    """The application. Refuses to start on unsafe settings or broken standards."""
    settings = settings or get_settings()
    settings.check_safe()
    configure_logging(settings.log_level)
    catalog = catalog or load_catalog(settings.standards_dir)
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="OAP standards checker",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.services = Services(
        settings=settings,
        catalog=catalog,
        scoring=ScoringService(catalog),
        engine=engine,
        keys=KeyCache(key_cache_seconds),
    )
    problems.install(app)
    for router in (
        health.router,
        standards.router,
        schools.router,
        audits.router,
        trusts.router,
        lifecycle.router,
        agreements.router,
        imports.router,
    ):
        app.include_router(router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Location", "Idempotent-Replayed"],
        )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, import_limit=settings.max_import_bytes)
    app.add_middleware(RequestContext)
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    return app


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with the Audit schema the raw-body endpoints refer to: the audit model of the newest
    national version's questions (in effect or not, so the committed document does not change with the day it
    is made; each audit is validated by the questions of its own version)."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes, tags=None
    )
    components = document.setdefault("components", {}).setdefault("schemas", {})
    services: Services = app.state.services
    national = audit_model(services.catalog.newest(DEFAULT_SET).questions)
    audit_schema = national.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, schema in audit_schema.pop("$defs", {}).items():
        components.setdefault(name, schema)
    components["Audit"] = audit_schema
    _problem_responses(document)
    document["components"]["securitySchemes"] = {
        "apiKey": {"type": "http", "scheme": "bearer", "description": "An API key from `oap keys create`."}
    }
    document["security"] = [{"apiKey": []}]
    for path, operations in document["paths"].items():
        public = path in ("/healthz", "/readyz") or path.startswith("/v1/standards")
        for operation in operations.values():
            if public:
                operation["security"] = []
            else:
                operation["responses"].setdefault("401", problem_doc("No key, or a key that is not valid."))
    app.openapi_schema = document
    return document


def _problem_responses(document: dict[str, Any]) -> None:
    """Every error response is problem+json with the Problem schema, as the app sends them; every operation
    documents 400 (malformed request) and 422 (invalid input)."""
    schemas = document["components"]["schemas"]
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, schema in schemas["Problem"].pop("$defs", {}).items():
        schemas.setdefault(name, schema)
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for operations in document["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            responses.setdefault("422", problem_doc("The request is not valid; every problem is listed by field."))
            responses.setdefault("400", problem_doc("The request is malformed (a body that is not JSON, a bad value)."))
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    description = response.get("description") or "An error"
                    responses[status] = problem_doc(description)
