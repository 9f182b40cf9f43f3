"""Request bodies of agreed exceptions and sign-offs, and the adjusted report's response schema.

The response models of the trust dashboards, version impact, exceptions and sign-offs are the services' own
results (:mod:`api.service.trusts.models`, :mod:`api.service.lifecycle.models`,
:mod:`api.service.agreements.models`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.service.agreements import models
from api.web.schemas.reports import GapReportOut

Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


Text2000 = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExceptionIn(_In):
    """An agreed exception to one rule."""

    rule: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]{0,79}$")] = Field(
        description="The rule's id, e.g. environment.sensory-space."
    )
    reason: Text2000
    approver_name: Text200
    approver_role: Text200
    risk: Literal["low", "medium", "high"]
    review_on: dt.date = Field(description="When the exception is to be reviewed (on or before expires_on).")
    expires_on: dt.date = Field(description="The last day the exception counts.")


class SignOffIn(_In):
    """A governor's confirmation of having reviewed a report."""

    reviewer_name: Text200
    note: Annotated[str, StringConstraints(max_length=2000, strip_whitespace=True)] | None = None


class AdjustedReport(models.AdjustedReport):
    """A report's raw score beside its score with agreed exceptions left out, and the exceptions."""

    report: GapReportOut  # type: ignore[assignment]  # the same report, with its schema documented
