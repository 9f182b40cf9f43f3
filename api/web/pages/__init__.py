"""Pages for people (HTML): sign-in, the self-audit form, the gap report, comparison, governor share links and
the trust overview, one module per subject.

Every page calls the same service functions as the JSON API; forms are protected by a CSRF token; pages work
without JavaScript. Errors render as pages through :mod:`api.web.problems`.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.web.pages import audit_form, auth, reports, schools, shares, trusts

router = APIRouter(include_in_schema=False)
for module in (auth, schools, audit_form, reports, shares, trusts):
    router.include_router(module.router)
