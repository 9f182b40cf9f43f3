"""What every audit model shares: the base of its sections (unknown fields refused, null only where a field allows
it), the school envelope (the URN) and the text pattern of free text. The audit model of a version is built from
its questions (:mod:`api.contract.question_model`).

A self-audit holds aggregate figures only (no pupil-level or personal data). It is a JSON object of
sections (``school``, ``pupils``, ``senco`` …); CSV columns are the dotted paths (``senco.protected_fte``).

Absent and null mean different things and the distinction is kept all the way to the engine:

* a field that is **absent** was not answered, so rules that need it are *not assessed*;
* a date field given as **null** means "there is none" (for example no accessibility plan at all).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from api.contract.kinds import is_urn

NULL_FORBIDDEN = "null_forbidden"
"""The pydantic error type of a null given for a field that does not allow it (``ctx["field"]`` names it)."""


class Section(BaseModel):
    """Base of every audit section: unknown fields are refused; null only where a field allows it."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _refuse_null(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            for name, value in data.items():
                if value is None and name in cls.model_fields and name not in cls.nullable:
                    raise PydanticCustomError(NULL_FORBIDDEN, "{field}: null is not allowed here", {"field": name})
        return data


TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"
"""Free text of an audit: no control characters but tab and line breaks."""


class SchoolEnvelope(Section):
    """What every audit says of its school whatever its standards: the URN."""

    urn: str = Field(
        description="Unique reference number: 6 digits, as in Get Information About Schools.",
        examples=["112515"],
    )

    @field_validator("urn", mode="before")
    @classmethod
    def _urn_digits(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not is_urn(value):
            raise ValueError("must be the school's 6-digit unique reference number (URN), for example 112515")
        return value
