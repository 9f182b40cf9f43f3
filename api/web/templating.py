"""Rendering pages: the Jinja2 templates, their filters, and :func:`page`, which every HTML response goes through."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from api.engine import render
from api.web.session import csrf_token, read_session

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def long_date(value: Any) -> str:
    """A date (or ISO 8601 text starting with one) as people write it: "2 January 2025"."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return f"{value.day} {value:%B %Y}"


def _measured(result: dict[str, Any]) -> str:
    return render.measured_words(result)


def _limit_text(result: dict[str, Any]) -> str:
    limits = result["limits"]
    for key, words in (
        ("met_at_most", "at most"),
        ("met_at_least", "at least"),
        ("met_at_least_pct", "at least"),
    ):
        if key in limits:
            unit = "%" if key.endswith("pct") else f" {result['measured']['unit'] or ''}".rstrip()
            return f"met {words} {limits[key]}{unit}"
    if "years" in limits:
        return f"within {limits['years']} year{'s' if limits['years'] != 1 else ''}"
    if "months" in limits:
        return f"within {limits['months']} month{'s' if limits['months'] != 1 else ''}"
    if "pupils_per_unit" in limits:
        return f"one per site and one per {limits['pupils_per_unit']} pupils"
    return ""


TEMPLATES.env.filters["long_date"] = long_date
TEMPLATES.env.filters["measured"] = _measured
TEMPLATES.env.filters["reference_words"] = render.reference_words
TEMPLATES.env.filters["limit_text"] = _limit_text
TEMPLATES.env.globals["status_words"] = render.STATUS_WORDS
TEMPLATES.env.globals["basis_words"] = {key: value.capitalize() for key, value in render.BASIS_WORDS.items()}


def page(request: Request, template: str, context: Mapping[str, Any], status: int = 200) -> HTMLResponse:
    """Render a page with what every page needs (sign-in state and the CSRF token for its forms)."""
    pending = Response()  # collects the cookie of a new pre-sign-in CSRF token
    token = csrf_token(request, pending)
    values = {"signed_in": read_session(request) is not None, "csrf": token, **context}
    response = TEMPLATES.TemplateResponse(request, template, values, status_code=status)
    for cookie in pending.headers.getlist("set-cookie"):
        response.headers.append("set-cookie", cookie)
    return response
