"""Validation messages: pydantic's errors as plain-English problems, each named by its dotted field path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from api.contract.model import NULL_FORBIDDEN
from api.errors import FieldProblem

NULL_NOT_ALLOWED = "cannot be null here; leave the field out if it was not answered"
"""The message of a null given for a field that does not allow it."""

_MESSAGES: dict[str, str] = {
    "missing": "is required",
    "extra_forbidden": "is not a field of the self-audit; check the spelling against the audit fields",
    "bool_type": "must be true or false",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "date_type": "must be a date written YYYY-MM-DD",
    "date_parsing": "must be a date written YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date written YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date written YYYY-MM-DD, without a time",
    "model_type": "must be an object of fields",
    "model_attributes_type": "must be an object of fields",
    "string_type": "must be text",
    "string_too_long": "is too long",
    "string_pattern_mismatch": "must be plain text, without control characters",
}


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in {"greater_than_equal", "less_than_equal"}:
        bound = ctx.get("ge", ctx.get("le"))
        word = "or more" if kind == "greater_than_equal" else "or less"
        return f"must be {bound} {word}"
    if kind == "literal_error":
        return f"must be one of: {ctx.get('expected', '')}".replace("'", "")
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return _MESSAGES.get(kind, str(error["msg"]))


def problems_from(error: ValidationError) -> list[FieldProblem]:
    """Every error of a failed model validation as a FieldProblem (field ``"(audit)"`` for the whole audit)."""
    problems: list[FieldProblem] = []
    for item in error.errors(include_url=False):
        loc = [str(part) for part in item["loc"]]
        if item["type"] == NULL_FORBIDDEN:
            # A section-level null check names the field in its context: move it into the path.
            loc.append(str(item["ctx"]["field"]))
            message = NULL_NOT_ALLOWED
        else:
            message = _message(item)
        problems.append(FieldProblem(field=".".join(loc) or "(audit)", message=message))
    return problems
