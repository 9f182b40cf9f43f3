"""Signing in and out with an access key, and the home page that sends each person on."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.errors import NotAuthenticated
from api.service.access import authenticate
from api.web.deps import ServicesDep
from api.web.pages.common import page_principal
from api.web.session import check_csrf, end_session, read_session, start_session
from api.web.templating import page

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request, services: ServicesDep) -> Response:
    """Signed in: your school or your schools; otherwise the sign-in page."""
    session = read_session(request)
    if session is None:
        return RedirectResponse("/sign-in", status_code=303)
    principal = await run_in_threadpool(page_principal, request, services)
    target = f"/schools/{principal.school_urn}" if principal.school_urn else "/schools"
    return RedirectResponse(target, status_code=303)


@router.get("/sign-in")
async def sign_in_page(request: Request) -> HTMLResponse:
    return page(request, "sign_in.html", {"title": "Sign in", "errors": []})


@router.post("/sign-in")
async def sign_in(
    request: Request, services: ServicesDep, api_key: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf)
    try:
        principal = await services.run(authenticate, cache=services.keys, header=f"Bearer {api_key.strip()}")
    except NotAuthenticated:
        errors = [{"href": "api-key", "text": "Enter a valid access key; it starts with oap_"}]
        return page(request, "sign_in.html", {"title": "Sign in", "errors": errors, "error_count": 1}, status=400)
    response = RedirectResponse("/", status_code=303)
    start_session(request, response, principal.key_id)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    response = RedirectResponse("/sign-in", status_code=303)
    end_session(response)
    return response
