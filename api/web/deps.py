"""Dependencies: the services of the app, the authenticated principal, and small request helpers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, Header, Request
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from api.config import Settings
from api.errors import RequestInvalid
from api.rules.catalog import Catalog
from api.service import audits
from api.service.access import KeyCache, Principal, authenticate, authenticate_cached
from api.service.scoring import ScoringService

T = TypeVar("T")
P = ParamSpec("P")


@dataclass
class Services:
    """Everything a request needs, built once by create_app."""

    settings: Settings
    catalog: Catalog
    scoring: ScoringService
    engine: Engine
    keys: KeyCache

    async def run(self, function: Callable[..., T], /, **arguments: Any) -> T:
        """``function(engine=self.engine, **arguments)`` in the thread pool: a blocking service call made from a
        route without blocking the event loop. Returns what the function returns and raises what it raises."""
        return await run_in_threadpool(function, engine=self.engine, **arguments)

    async def build(self, function: Callable[Concatenate[Services, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``function(self, *args, **kwargs)`` in the thread pool: a page's context, built from several blocking
        service calls in one hand-off. Returns what the function returns and raises what it raises."""
        return await run_in_threadpool(function, self, *args, **kwargs)

    async def submit(
        self, *, principal: Principal, urn: str, data: Any, source: str, **options: str | None
    ) -> audits.Submission:
        """Submit a decoded audit for school ``urn`` as :func:`api.service.audits.submit_audit` does, dated against
        today; ``options`` are its ``standards``, ``replaces`` and ``idempotency_key``. Returns the Submission and
        raises what submit_audit raises (AuditInvalid listing every problem, NotFound, Forbidden, Conflict)."""
        arguments = {"principal": principal, "urn": urn, "data": data, "source": source, "today": today(), **options}
        return await self.run(audits.submit_audit, scoring=self.scoring, **arguments)


async def get_services(request: Request) -> Services:
    """The app's services (async: a plain function would cost a thread hand-off on every request)."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_principal(
    services: ServicesDep,
    authorization: Annotated[
        str | None, Header(description="'Bearer ' followed by an API key.", include_in_schema=False)
    ] = None,
) -> Principal:
    """The holder of the request's API key; 401 when there is none or it is not valid."""
    cached = authenticate_cached(cache=services.keys, header=authorization)
    if cached is not None:
        return cached
    return await services.run(authenticate, cache=services.keys, header=authorization)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def json_body(request: Request) -> Any:
    """The request body decoded as JSON (any JSON value); raises RequestInvalid (400) when empty or not JSON."""
    raw = await request.body()
    if not raw:
        raise RequestInvalid("the request body is empty; send the audit as a JSON object")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise RequestInvalid(f"the request body is not valid JSON ({error})") from None


def today() -> dt.date:
    """Today's date, for refusing audits dated in the future."""
    return dt.date.today()
