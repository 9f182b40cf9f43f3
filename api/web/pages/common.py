"""Shared by the pages: who is signed in (by session or share link), the navigation they see, and rendering a page
for them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.errors import NotAuthenticated
from api.service import shares
from api.service.access import Principal, principal_for_key_id
from api.web.deps import ServicesDep
from api.web.session import read_session, share_id_from
from api.web.templating import page

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class NavItem:
    """One link of the navigation bar."""

    href: str
    text: str
    active: bool


def nav(principal: Principal | None, active: str) -> list[NavItem]:
    """The navigation links a person sees, ``active`` ("schools", "school" or "trust") marking the current one."""
    if principal is None:
        return []
    items = [NavItem("/schools", "Schools", active == "schools")]
    if principal.trust_id:
        items.append(NavItem(f"/trusts/{principal.trust_id}", "Trust overview", active == "trust"))
    if principal.school_urn:
        items = [NavItem(f"/schools/{principal.school_urn}", "Your school", active == "school")]
    return items


def signed_in_page(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    principal: Principal,
    active: str = "school",
    status: int = 200,
) -> HTMLResponse:
    """A page for a signed-in person: the template rendered with ``context`` and the navigation they see."""
    return page(request, template, {**context, "nav": nav(principal, active)}, status=status)


def page_principal(request: Request, services: ServicesDep) -> Principal:
    """The signed-in person's principal; raises NotAuthenticated (a page asking to sign in) otherwise."""
    session = read_session(request)
    if session is None:
        raise NotAuthenticated("sign in with your access key to see this page")
    return principal_for_key_id(engine=services.engine, cache=services.keys, key_id=str(session["k"]))


PagePrincipal = Annotated[Principal, Depends(page_principal)]


def share_principal(request: Request, services: ServicesDep, token: str) -> Principal:
    """The read-only principal of the share link in the address; raises NotAuthenticated when it is not valid,
    revoked or expired."""
    return shares.principal_for_share(engine=services.engine, share_id=share_id_from(request, token))


SharePrincipal = Annotated[Principal, Depends(share_principal)]
