"""Errors as the API documents them: problem+json (RFC 9457) with every field problem."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FieldError(BaseModel):
    """One problem with one field."""

    field: str
    message: str


class Problem(BaseModel):
    """An error, as problem+json (RFC 9457)."""

    type: str = Field(description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str = Field(description="What went wrong and how to put it right.")
    instance: str | None = None
    code: str = Field(description="A stable machine-readable code.")
    request_id: str | None = None
    errors: list[FieldError] | None = Field(None, description="For invalid input: every problem, by field path.")
