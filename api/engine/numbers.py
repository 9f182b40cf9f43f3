"""Numbers and dates as the rules compare them and a report shows them: rounding as people round, gap amounts
rounded up, anniversaries, and English long dates whatever the locale."""

from __future__ import annotations

import calendar
import datetime as dt
import math

EPSILON = 1e-9  # audit figures are decimals typed by people; this absorbs binary float noise at limits
_MONTHS = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def months_after(start: dt.date, months: int) -> dt.date:
    """The date ``months`` calendar months after ``start``, on the same day of the month or, where that month is
    shorter, its last day (31 January + 1 month = 28 or 29 February; 29 February + 12 months = 28 February)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(start.day, calendar.monthrange(year, month + 1)[1]))


def anniversary(start: dt.date, years: int) -> dt.date:
    """The date ``years`` after ``start``; an anniversary of 29 February falls on 28 February."""
    return months_after(start, 12 * years)


def long_date(day: dt.date) -> str:
    """'1 September 2027' (English month names whatever the locale)."""
    return f"{day.day} {_MONTHS[day.month]} {day.year}"


def round_half_up(value: float, decimals: int) -> float | int:
    """Round as people do (0.125 → 0.13), absorbing float noise; whole results come back as int."""
    factor = _POWERS[decimals]
    scaled = value * factor
    if not math.isfinite(scaled) or abs(scaled) > 1e15:  # beyond float's exact integers: nothing to round
        return value
    whole = math.floor(scaled + 0.5 + EPSILON * max(1.0, abs(scaled)))
    if whole % factor == 0:
        return whole // factor
    return whole / factor


_POWERS = (1, 10, 100, 1000, 10000)


def round_up(value: float, decimals: int) -> float | int:
    """Round a gap amount up, so that adding it always closes the gap (0.0125 FTE → 0.02); whole results as int."""
    factor = _POWERS[decimals]
    scaled = value * factor
    if not math.isfinite(scaled) or abs(scaled) > 1e15:
        return value
    whole = math.ceil(scaled - EPSILON * max(1.0, abs(scaled)))
    if whole % factor == 0:
        return whole // factor
    return whole / factor


def show_number(value: float | int, decimals: int = 2) -> str:
    """A number as a person writes it: no trailing zeros, no '.0'."""
    if type(value) is int:
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".")
