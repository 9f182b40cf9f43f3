"""Shared by the pages: who is signed in, and the navigation links they see."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from api.errors import NotAuthenticated
from api.service.access import Principal, principal_for_key_id
from api.web.deps import ServicesDep
from api.web.session import read_session

router = APIRouter(include_in_schema=False)


def nav(principal: Principal | None, active: str) -> list[dict[str, Any]]:
    if principal is None:
        return []
    items = [{"href": "/schools", "text": "Schools", "active": active == "schools"}]
    if principal.trust_id:
        items.append({"href": f"/trusts/{principal.trust_id}", "text": "Trust overview", "active": active == "trust"})
    if principal.school_urn:
        items = [{"href": f"/schools/{principal.school_urn}", "text": "Your school", "active": active == "school"}]
    return items


def page_principal(request: Request, services: ServicesDep) -> Principal:
    """The signed-in person's principal; NotAuthenticated (a page asking to sign in) otherwise."""
    session = read_session(request)
    if session is None:
        raise NotAuthenticated("sign in with your access key to see this page")
    return principal_for_key_id(engine=services.engine, cache=services.keys, key_id=str(session["k"]))


PagePrincipal = Annotated[Principal, Depends(page_principal)]
