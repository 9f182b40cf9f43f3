"""Numbers and dates as the rules compare them: anniversaries and rounding half up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from api.engine.numbers import anniversary, months_after, round_half_up
from api.rules.catalog import Catalog
from tests.conftest import TODAY, minimal_audit, score
from tests.engine.expectations import (
    CURRENT,
    status_of,
)

# ---------------------------------------------------------------------------------------------- helpers in checks


@pytest.mark.parametrize(
    ("start", "years", "expected"),
    [
        (dt.date(2024, 2, 29), 1, dt.date(2025, 2, 28)),
        (dt.date(2024, 2, 29), 3, dt.date(2027, 2, 28)),
        (dt.date(2024, 2, 29), 4, dt.date(2028, 2, 29)),
        (dt.date(2023, 3, 15), 3, dt.date(2026, 3, 15)),
        (dt.date(2025, 12, 31), 1, dt.date(2026, 12, 31)),
        (dt.date(2023, 2, 28), 1, dt.date(2024, 2, 28)),
    ],
)
def test_anniversary(start: dt.date, years: int, expected: dt.date) -> None:
    assert anniversary(start, years) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (0.125, 2, Decimal("0.13")),
        (2.675, 2, Decimal("2.68")),
        (1.005, 2, Decimal("1.01")),
        (0.0125, 2, Decimal("0.01")),
        (0.0149, 2, Decimal("0.01")),
        (0.05, 1, Decimal("0.1")),
        (2.5, 0, Decimal(3)),
        (3.5, 0, Decimal(4)),
        (80.0, 2, Decimal(80)),
        (0.1 + 0.2, 1, Decimal("0.3")),
    ],
)
def test_round_half_up(value: float, decimals: int, expected: Decimal) -> None:
    got = round_half_up(value, decimals)
    assert Decimal(repr(got)) == expected
    assert isinstance(got, int) == (expected == expected.to_integral_value())


@pytest.mark.parametrize(
    ("updated_on", "audit_date", "expected"),
    [
        # A 29 February date falls due on 28 February of a year without one.
        ("2024-02-29", "2025-02-27", "met"),
        ("2024-02-29", "2025-02-28", "not_met"),
        ("2025-11-01", "2026-10-31", "met"),
        ("2025-11-01", "2026-11-01", "not_met"),
    ],
)
def test_a_yearly_date_falls_due_on_its_anniversary(
    catalog: Catalog, updated_on: str, audit_date: str, expected: str
) -> None:
    audit = minimal_audit(audit_date=audit_date, governance={"sen_information_report_updated_on": updated_on})
    assert dt.date.fromisoformat(audit_date) <= TODAY
    assert status_of(score(catalog, CURRENT, audit), "governance.sen-information-report") == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
        (dt.date(2025, 11, 30), 3, dt.date(2026, 2, 28)),
        (dt.date(2025, 10, 15), 4, dt.date(2026, 2, 15)),
        (dt.date(2025, 12, 1), 1, dt.date(2026, 1, 1)),
        (dt.date(2025, 9, 1), 120, dt.date(2035, 9, 1)),
    ],
)
def test_months_after_keeps_the_day_or_takes_the_month_s_last(start: dt.date, months: int, expected: dt.date) -> None:
    assert months_after(start, months) == expected


@pytest.mark.parametrize("start", [dt.date(2024, 2, 29), dt.date(2025, 3, 31), dt.date(2025, 12, 31)])
def test_an_anniversary_is_twelve_months_a_year(start: dt.date) -> None:
    for years in (1, 2, 3):
        assert anniversary(start, years) == months_after(start, 12 * years)
