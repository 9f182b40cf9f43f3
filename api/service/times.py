"""Dates and times as the service writes them in its results: ISO 8601 text, times in UTC (a stored time without a
zone is UTC)."""

from __future__ import annotations

import datetime as dt
from typing import Any


def iso(value: Any) -> str | None:
    """A date or time as ISO 8601 text (times in UTC), or None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
