"""The typed results of agreed exceptions and sign-offs: an exception with its state, the adjusted report, a sign-off.

These are the routes' response models as they are (their class names are the OpenAPI schema names).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field

ExceptionState = Literal["active", "expired", "withdrawn"]


class ExceptionOut(BaseModel):
    """An agreed exception, with its state today."""

    id: str
    school_urn: str
    rule: str
    reason: str
    approver_name: str
    approver_role: str
    risk: str
    review_on: str
    expires_on: str
    recorded_by: str = Field(description="The id of the API key that recorded it.")
    recorded_at: str | None
    withdrawn_at: str | None
    withdrawn_by: str | None = Field(
        description="The id of the API key that withdrew it (null if it is not withdrawn, or was withdrawn before "
        "this was recorded)."
    )
    state: ExceptionState
    counted: bool = Field(description="Whether it leaves its rule out of the adjusted score today.")
    expired: bool
    review_due: bool


class ReportException(ExceptionOut):
    """An exception as listed beside a report."""

    in_report: bool = Field(description="Whether the report has the rule at all.")


class AdjustedReport(BaseModel):
    """A report's raw score beside its score with agreed exceptions left out, and the exceptions."""

    audit_id: str
    standards: str
    raw_score: float | None
    raw_band: str | None
    adjusted_score: float | None
    adjusted_band: str | None
    adjusted_band_label: str | None
    adjusted_capped_by: list[str]
    excluded_rules: list[str]
    note: str
    exceptions: list[ReportException]
    report: Mapping[str, Any] = Field(
        description="The gap report as :func:`api.service.audits.get_audit_report` gives it."
    )


class Adjustment(BaseModel):
    """A report's score and band with some rules left out, and the statutory rules not met that cap its band."""

    score: float | None
    band: str | None
    capped_by: list[str]


class SignOffOut(BaseModel):
    """A sign-off."""

    id: str
    audit_id: str
    report_id: str
    standards: str
    reviewer_name: str
    note: str | None
    signed_by: str = Field(description="The id of the API key that signed off.")
    signed_at: str | None
