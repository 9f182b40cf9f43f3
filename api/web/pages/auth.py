"""Signing in and out with an access key, and the home page that sends each person on."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.errors import NotAuthenticated
from api.service.access import authenticate, principal_for_key_id
from api.web.deps import ServicesDep
from api.web.session import check_csrf, end_session, read_session, start_session
from api.web.templating import page

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request, services: ServicesDep) -> Response:
    """Signed in: your school or your schools; otherwise the sign-in page."""
    session = read_session(request)
    if session is None:
        return RedirectResponse("/sign-in", status_code=303)
    principal = await services.run(principal_for_key_id, cache=services.keys, key_id=str(session["k"]))
    target = f"/schools/{principal.school_urn}" if principal.school_urn else "/schools"
    return RedirectResponse(target, status_code=303)


@router.get("/sign-in")
async def sign_in_page(request: Request) -> HTMLResponse:
    """The sign-in form."""
    return page(request, "sign_in.html", {"title": "Sign in", "errors": []})


@router.post("/sign-in")
async def sign_in(
    request: Request, services: ServicesDep, api_key: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = ""
) -> Response:
    """Sign in with an access key: a signed session cookie and on to the home page (303), or the form again (400)."""
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
    """End the session and go to the sign-in page (303)."""
    check_csrf(request, csrf)
    response = RedirectResponse("/sign-in", status_code=303)
    end_session(response)
    return response
