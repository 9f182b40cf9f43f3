"""Parameters and documented error responses shared by the JSON routes, declared once.

Path parameters are checked by pattern before any route runs, so a malformed id is a 422 naming the parameter,
never a database look-up. ``SET@VERSION`` uses the pattern of :data:`api.rules.types.REF`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from api.contract.kinds import URN_PATTERN, Phase
from api.rules.types import REF

HEX_ID = r"^[0-9a-f]{32}$"

TrustPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$", description="The trust's id.")]
UrnPath = Annotated[str, Path(pattern=URN_PATTERN, description="The school's 6-digit URN.")]
AuditIdPath = Annotated[str, Path(pattern=HEX_ID, description="The audit's id.")]
ExceptionIdPath = Annotated[str, Path(pattern=HEX_ID, description="The exception's id.")]
JobIdPath = Annotated[str, Path(pattern=HEX_ID, description="The job's id, from the Location of the upload.")]

StandardsQuery = Annotated[
    str | None,
    Query(
        pattern=REF,
        description="SET@VERSION, e.g. national@2026.1 "
        "(default: the newest national version in effect on the audit date).",
    ),
]
"""The standards to score against (``/v1/score``, submissions, an audit's report)."""

StoredStandardsQuery = Annotated[
    str | None,
    Query(
        pattern=REF,
        description="SET@VERSION: read each school's stored report against this version (made by `oap rescore`); "
        "default: each school's submission report.",
    ),
]
"""The stored reports to read (trust dashboards, benchmarks, adjusted reports)."""

VersionFrom = Annotated[str, Query(alias="from", pattern=REF, description="SET@VERSION before.")]
VersionTo = Annotated[str, Query(alias="to", pattern=REF, description="SET@VERSION after.")]
PhaseQuery = Annotated[Phase | None, Query(description="Only schools of this phase.")]
NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
"""Text a query may carry: no control characters (NUL, line breaks …), which PostgreSQL and logs cannot take."""
LocalAuthorityQuery = Annotated[
    str | None,
    Query(
        max_length=100,
        pattern=NO_CONTROL,
        description="Only schools in this local authority (as recorded on the school).",
    ),
]

_DESCRIPTIONS = {
    400: "The request is not valid (problem+json).",
    401: "An API key is needed (problem+json).",
    403: "The key may see this but not do this (problem+json).",
    404: "Not found, or not visible to this key (problem+json).",
    409: "Conflict with what is stored (problem+json).",
    413: "The request body is over the limit (problem+json).",
    422: "The request is not valid (problem+json).",
    503: "The database cannot be reached; nothing was written (problem+json).",
}


def problem_doc(description: str) -> dict[str, Any]:
    """One documented error response: ``description`` and a problem+json body with the Problem schema."""
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entry documenting each error status as problem+json with the Problem schema.

    Raises ``KeyError`` for a status with no description here (add it to the table).
    """
    return {code: problem_doc(_DESCRIPTIONS[code]) for code in codes}


ERRORS = problems(400, 401, 403, 404, 422)
"""The errors every authenticated read can answer."""
