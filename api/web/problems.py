"""Errors as problem+json (RFC 9457): one renderer for every error the API can return."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api.errors import AuditInvalid, OapError, StandardsError
from api.web.logs import request_id_var
from api.web.templating import page

log = logging.getLogger("oap.errors")
MEDIA_TYPE = "application/problem+json"


def problem_body(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    instance: str | None = None,
    errors: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The problem+json object (RFC 9457 members, then ``code``, ``request_id`` and any field ``errors``)."""
    body: dict[str, Any] = {
        "type": f"https://oap-checker.invalid/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        "request_id": request_id_var.get(),
    }
    if errors is not None:
        body["errors"] = errors
    return body


def problem_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    """A problem+json response of ``status`` with the body as UTF-8 JSON."""
    return Response(json.dumps(body, ensure_ascii=False), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        where, rest = parts[0], parts[1:]
        return ".".join(rest) if where == "body" and rest else f"{where}.{'.'.join(rest)}" if rest else where
    return ".".join(parts)


API_PREFIXES = ("/v1/", "/healthz", "/readyz", "/openapi.json", "/docs")


def for_people(request: Request) -> bool:
    """Whether the request is for a page (an error then renders as a page, not as problem+json)."""
    return not request.url.path.startswith(API_PREFIXES) and request.url.path != "/v1"


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    """An error as a page for people, with the request id to quote."""
    if status == 401 and request.url.path.startswith("/share/"):
        heading, show_sign_in = "This share link no longer works", False
    elif status == 401:
        heading, show_sign_in = "Sign in to see this page", True
    elif status == 404:
        heading, show_sign_in = "Page not found", False
    elif status >= 500:
        heading, show_sign_in = "Sorry, there is a problem with the service", False
    else:
        heading, show_sign_in = title, False
    context = {
        "title": heading,
        "heading": heading,
        "detail": detail,
        "show_sign_in": show_sign_in,
        "request_id": request_id_var.get(),
    }
    return page(request, "error.html", context, status=status)


def unexpected_response(request: Request) -> Response:
    """The answer to an error nobody expected: a 500 page or problem, naming the request id to quote."""
    if for_people(request):
        return error_page(request, 500, "Something went wrong", "An unexpected error occurred; it has been logged.")
    body = problem_body(
        status=500,
        code="internal",
        title="Something went wrong",
        detail="an unexpected error occurred; it has been logged with this request id",
        instance=request.url.path,
    )
    return problem_response(500, body)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json (API) or an error page (people)."""

    @app.exception_handler(OapError)
    async def oap_error(request: Request, error: OapError) -> Response:
        errors = [p.as_dict() for p in error.problems] if isinstance(error, AuditInvalid) else None
        status = error.status if 400 <= error.status < 600 else 500
        if isinstance(error, StandardsError) or status >= 500:
            log.error("service error", extra={"fields": {"code": error.code}})
        if for_people(request):
            return error_page(request, status, error.title, error.message)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        body = problem_body(
            status=status,
            code=error.code,
            title=error.title,
            detail=error.message,
            instance=request.url.path,
            errors=errors,
        )
        return problem_response(status, body, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        errors = [{"field": _location(tuple(item["loc"])), "message": str(item["msg"])} for item in error.errors()]
        if for_people(request):
            return error_page(request, 400, "The form is not valid", "; ".join(e["message"] for e in errors))
        body = problem_body(
            status=422,
            code="request_invalid",
            title="The request is not valid",
            detail="; ".join(f"{e['field']}: {e['message']}" for e in errors),
            instance=request.url.path,
            errors=errors,
        )
        return problem_response(422, body)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        if for_people(request):
            return error_page(request, error.status_code, str(error.detail), "Check the address and try again.")
        body = problem_body(
            status=error.status_code,
            code=code,
            title=str(error.detail),
            detail=str(error.detail),
            instance=request.url.path,
        )
        return problem_response(error.status_code, body)

    # Errors nobody expected are answered by api.web.middleware.RequestContext with unexpected_response(),
    # inside the request's context, so they carry the request id like every other response.
