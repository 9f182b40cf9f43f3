"""When a rule applies and how each check kind decides: phases, conditions, grants, dates and extreme numbers."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from api.rules.catalog import Catalog
from tests.conftest import merge, minimal_audit, score
from tests.engine.expectations import (
    CURRENT,
    GOOD,
    by_rule,
    half_up,
    status_of,
    yaml_rules,
)

# ---------------------------------------------------------------------------------------------- applicability


@pytest.mark.parametrize(
    ("school", "environment", "status", "missing"),
    [
        ({"phase": "primary"}, {"inclusion_base": "none"}, "not_applicable", []),
        ({"phase": "primary"}, {}, "not_applicable", []),
        ({"phase": "nursery"}, {"inclusion_base": "support"}, "not_applicable", []),
        ({"phase": "middle_deemed_primary"}, {"inclusion_base": "none"}, "not_applicable", []),
        ({"phase": "secondary"}, {"inclusion_base": "support"}, "met", []),
        ({"phase": "all_through"}, {"inclusion_base": "specialist"}, "met", []),
        ({"phase": "middle_deemed_secondary"}, {"inclusion_base": "planned"}, "partially_met", []),
        ({"phase": "secondary"}, {"inclusion_base": "none"}, "not_met", []),
        ({"phase": "secondary"}, {}, "not_assessed", ["environment.inclusion_base"]),
        ({}, {"inclusion_base": "support"}, "not_assessed", ["school.phase"]),
        ({}, {}, "not_assessed", ["school.phase", "environment.inclusion_base"]),
    ],
)
def test_inclusion_base_applies_by_phase(
    catalog: Catalog, school: dict[str, Any], environment: dict[str, Any], status: str, missing: list[str]
) -> None:
    report = score(catalog, CURRENT, minimal_audit(school=school, environment=environment))
    result = by_rule(report)["environment.inclusion-base"]
    assert result["status"] == status
    assert result["missing_inputs"] == missing
    for path in missing:
        assert path in report["missing_inputs"]
    if status in ("not_applicable", "not_assessed"):
        assert result["gap"] is None


def test_a_rule_that_does_not_apply_counts_in_neither_sum(catalog: Catalog) -> None:
    # The same audit as a primary (rule not applicable) and a secondary school without a base (not met).
    primary = score(
        catalog, CURRENT, merge(GOOD, {"school": {"phase": "primary"}, "environment": {"inclusion_base": "none"}})
    )
    secondary = score(catalog, CURRENT, merge(GOOD, {"environment": {"inclusion_base": "none"}}))
    assert status_of(primary, "environment.inclusion-base") == "not_applicable"
    assert status_of(secondary, "environment.inclusion-base") == "not_met"
    assert primary["score"] == 100
    weight = yaml_rules(CURRENT)["environment.inclusion-base"]["weight"]
    total = sum(rule["weight"] for rule in yaml_rules(CURRENT).values())
    assert secondary["score"] == float(half_up(Fraction(100 * (total - weight), total), 1))


@pytest.mark.parametrize(
    ("senco", "statuses", "missing"),
    [
        (
            {"designated": False, "qualified_teacher": False, "on_slt": False},
            {
                "senco.designated": "not_met",
                "senco.qualified-teacher": "not_applicable",
                "senco.qualification": "not_applicable",
                "senco.slt": "not_applicable",
            },
            {},
        ),
        (
            {"qualified_teacher": True, "on_slt": True},
            {
                "senco.designated": "not_assessed",
                "senco.qualified-teacher": "not_assessed",
                "senco.slt": "not_assessed",
            },
            {"senco.qualified-teacher": ["senco.designated"], "senco.slt": ["senco.designated"]},
        ),
        (
            {"designated": True, "qualified_teacher": False, "on_slt": True},
            {"senco.qualified-teacher": "not_met", "senco.slt": "met"},
            {},
        ),
        (
            {"designated": True},
            {"senco.designated": "met", "senco.qualified-teacher": "not_assessed", "senco.slt": "not_assessed"},
            {"senco.qualified-teacher": ["senco.qualified_teacher"], "senco.slt": ["senco.on_slt"]},
        ),
    ],
)
def test_when_conditions(
    catalog: Catalog, senco: dict[str, Any], statuses: dict[str, str], missing: dict[str, list[str]]
) -> None:
    report = score(catalog, CURRENT, minimal_audit(senco=senco))
    results = by_rule(report)
    for rule, status in statuses.items():
        assert results[rule]["status"] == status, rule
    for rule, fields in missing.items():
        assert results[rule]["missing_inputs"] == fields, rule
        assert set(fields) <= set(report["missing_inputs"])


@pytest.mark.parametrize(("receives_imf", "status"), [(False, "not_applicable"), (True, "not_met")])
def test_grant_condition_applies_only_to_schools_that_receive_the_grant(
    catalog: Catalog, receives_imf: bool, status: str
) -> None:
    audit = merge(
        GOOD, {"school": {"receives_imf": receives_imf}, "leadership": {"inclusion_strategy_reviewed_on": "2025-06-01"}}
    )
    assert status_of(score(catalog, CURRENT, audit), "leadership.inclusion-strategy") == status


def test_a_designated_senco_who_is_not_a_teacher_caps_the_band(catalog: Catalog) -> None:
    report = score(catalog, CURRENT, merge(GOOD, {"senco": {"qualified_teacher": False}}))
    assert report["capped_by"] == ["senco.qualified-teacher"]
    assert report["band"] == "emerging"
