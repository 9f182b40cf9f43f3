"""The value kinds of the self-audit: field kinds, phases, choices and the typed scalars the sections use.

Numbers are strict (``"3"`` is not 3, ``true`` is not 1); dates are ISO ``YYYY-MM-DD`` text (or dates from
YAML), never timestamps.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import typing
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Strict

Phase = Literal[
    "nursery",
    "primary",
    "middle_deemed_primary",
    "middle_deemed_secondary",
    "secondary",
    "all_through",
    "sixteen_plus",
]
PHASES: tuple[str, ...] = typing.get_args(Phase)


Flag = Annotated[bool, Strict()]

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
URN_PATTERN = r"^[0-9]{6}$"
r"""A school's unique reference number (URN): exactly six ASCII digits. Not ``\d``, and not ``str.isdigit``, which
also take the digits of other scripts (``١١٢٥١٥``), which no URN has and which break file names and headers."""


def is_urn(value: object) -> bool:
    """Whether ``value`` is a URN: text of exactly six ASCII digits (see :data:`URN_PATTERN`)."""
    return isinstance(value, str) and re.fullmatch(URN_PATTERN[1:-1], value) is not None


def parse_date(value: Any) -> dt.date | None:
    """A date field's value as a ``datetime.date``; None (the field's "there is none") stays None.

    Takes ISO ``YYYY-MM-DD`` text or a date; raises ValueError (its text is the message shown to the user)
    for a datetime, for text that is not a real date and for any other value.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date written YYYY-MM-DD, without a time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a real date (write it YYYY-MM-DD)") from None
    raise ValueError("must be a date written YYYY-MM-DD")


Date = Annotated[dt.date, BeforeValidator(parse_date)]


class FieldKind(enum.StrEnum):
    """The kinds of audit field a rule can refer to; the loader checks a rule uses the right kind."""

    flag = "flag"
    whole_number = "whole_number"
    number = "number"
    date = "date"
    choice = "choice"
    text = "text"
    statement = "statement"
