"""Scoring: score, band and its cap by statutory duties, coverage, missing inputs, the order of results and
gap amounts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from api.contract.questions import field_specs
from api.rules.catalog import Catalog
from tests.conftest import merge, minimal_audit, score
from tests.engine.expectations import (
    ASSESSED,
    AUDIT_CASES,
    AUDITS,
    BASIS_ORDER,
    CURRENT,
    GAP_STATUSES,
    GOOD,
    NATIONAL,
    by_rule,
    read_field,
    status_of,
    uncapped_band,
    with_value,
    without,
    yaml_file,
    yaml_rules,
)

# ---------------------------------------------------------------------------------------------- band cap


@pytest.mark.parametrize(
    ("section", "field", "value", "rule"),
    [
        ("senco", "designated", False, "senco.designated"),
        ("senco", "qualified_teacher", False, "senco.qualified-teacher"),
        ("governance", "accessibility_plan_reviewed_on", None, "governance.accessibility-plan"),
        ("governance", "sen_information_report_updated_on", "2025-06-01", "governance.sen-information-report"),
        ("published", "sen_report_items_missing", 9, "published.sen-report-complete"),
    ],
)
def test_a_statutory_rule_not_met_caps_the_band(
    catalog: Catalog, section: str, field: str, value: Any, rule: str
) -> None:
    report = score(catalog, CURRENT, merge(GOOD, {section: {field: value}}))
    bands = yaml_file(CURRENT)["bands"]
    assert status_of(report, rule) == "not_met"
    assert by_rule(report)[rule]["basis"] == "statutory"
    lowest = min(bands, key=lambda band: band["min_score"])["id"]
    assert uncapped_band(report["score"], bands) != lowest, "the audit must be good enough for the cap to matter"
    assert report["band"] == lowest
    assert report["capped_by"] == [rule]


@pytest.mark.parametrize(
    ("section", "field", "value", "rule", "basis"),
    [
        ("senco", "on_slt", False, "senco.slt", "statutory_guidance"),
        ("governance", "send_governor", False, "governance.send-governor", "statutory_guidance"),
        ("published", "send_policy_reviewed_on", None, "published.send-policy", "statutory_guidance"),
        (
            "leadership",
            "inclusion_strategy_reviewed_on",
            "2025-06-01",
            "leadership.inclusion-strategy",
            "condition_of_grant",
        ),
        ("environment", "accessible_toilet", False, "environment.accessible-toilet", "guidance"),
        ("environment", "inclusion_base", "none", "environment.inclusion-base", "proposal"),
        ("senco", "protected_fte", 0.5, "senco.time", "provisional"),
    ],
)
def test_a_softer_rule_not_met_does_not_cap_the_band(
    catalog: Catalog, section: str, field: str, value: Any, rule: str, basis: str
) -> None:
    report = score(catalog, CURRENT, merge(GOOD, {section: {field: value}}))
    result = by_rule(report)[rule]
    assert (result["status"], result["basis"]) == ("not_met", basis)
    assert report["capped_by"] == []
    assert report["band"] == uncapped_band(report["score"], yaml_file(CURRENT)["bands"])
    assert report["band"] != "emerging"


def test_a_statutory_rule_partially_met_does_not_cap_the_band(catalog: Catalog) -> None:
    report = score(catalog, CURRENT, merge(GOOD, {"published": {"sen_report_items_missing": 2}}))
    assert status_of(report, "published.sen-report-complete") == "partially_met"
    assert report["capped_by"] == []
    assert report["band"] == uncapped_band(report["score"], yaml_file(CURRENT)["bands"])


def test_several_statutory_rules_not_met_are_all_named(catalog: Catalog) -> None:
    audit = merge(
        GOOD,
        {"governance": {"accessibility_plan_reviewed_on": None, "sen_information_report_updated_on": None}},
    )
    report = score(catalog, CURRENT, audit)
    assert report["capped_by"] == ["governance.accessibility-plan", "governance.sen-information-report"]
    assert report["band"] == "emerging"


# ---------------------------------------------------------------------------------------------- nothing assessed


@pytest.mark.parametrize("ref", [*NATIONAL, "somerset-example@2026.1"])
def test_minimal_audit_assesses_nothing_so_it_has_no_score_and_the_lowest_band(catalog: Catalog, ref: str) -> None:
    report = score(catalog, ref, minimal_audit())
    assert {result["status"] for result in report["results"]} == {"not_assessed"}
    assert report["score"] is None
    assert (report["band"], report["band_label"]) == ("emerging", "Emerging")
    assert report["complete"] is False
    assert "legal duties could not be checked" in report["incomplete_reasons"][0]
    assert report["incomplete_reasons"][1].startswith("Only 0% of the rules that apply could be checked")
    assert report["capped_by"] == []
    assert report["coverage"] == 0
    assert all(domain["score"] is None for domain in report["domains"])
    for result in report["results"]:
        assert result["gap"] is None
        assert result["missing_inputs"], f"{result['rule']} is not assessed but names no missing field"


# ------------------------------------------------------------------------------------ coverage and missing inputs


@pytest.mark.parametrize(("name", "ref"), AUDIT_CASES)
def test_coverage_is_assessed_over_applicable(catalog: Catalog, name: str, ref: str) -> None:
    report = score(catalog, ref, AUDITS[name])
    statuses = [result["status"] for result in report["results"]]
    applicable = [s for s in statuses if s != "not_applicable"]
    assessed = [s for s in applicable if s in ASSESSED]
    if not applicable:
        assert report["coverage"] is None
    else:
        assert report["coverage"] == pytest.approx(len(assessed) / len(applicable), abs=0.0005)


@pytest.mark.parametrize(("name", "ref"), AUDIT_CASES)
def test_missing_inputs_are_the_fields_named_by_not_assessed_rules(catalog: Catalog, name: str, ref: str) -> None:
    report = score(catalog, ref, AUDITS[name])
    named = set()
    for result in report["results"]:
        if result["status"] == "not_assessed":
            named.update(result["missing_inputs"])
        else:
            assert result["missing_inputs"] == [], result["rule"]
    assert report["missing_inputs"] == sorted(named)
    asked = field_specs(catalog.get(ref).questions)
    assert all(path in asked for path in report["missing_inputs"])


@pytest.mark.parametrize(
    ("removed", "not_assessed"),
    [
        (("senco.protected_fte",), {"senco.time"}),
        (("staffing.ta_fte", "environment.accessible_toilet"), {"ta.sen-ratio", "environment.accessible-toilet"}),
        (("pupils.on_roll",), {"environment.sensory-space"}),
        (("school.phase",), {"environment.inclusion-base"}),
        (
            ("senco.designated",),
            {"senco.designated", "senco.qualified-teacher", "senco.qualification", "senco.slt"},
        ),
        (("pupils.ehcp",), {"senco.time", "ta.sen-ratio"}),
    ],
)
def test_answering_the_missing_inputs_lets_every_rule_be_scored(
    catalog: Catalog, removed: tuple[str, ...], not_assessed: set[str]
) -> None:
    report = score(catalog, CURRENT, without(GOOD, *removed))
    assert {r["rule"] for r in report["results"] if r["status"] == "not_assessed"} == not_assessed
    assert report["missing_inputs"] == sorted(removed)
    assert report["coverage"] == pytest.approx((32 - len(not_assessed)) / 32, abs=0.0005)
    restored = GOOD
    for path in report["missing_inputs"]:
        restored = with_value(restored, path, read_field(GOOD, path))
    again = score(catalog, CURRENT, restored)
    assert all(result["status"] in ASSESSED for result in again["results"])
    assert again["missing_inputs"] == []


def test_answering_every_missing_input_of_a_minimal_audit_assesses_every_rule(catalog: Catalog) -> None:
    # The contract: missing_inputs are the fields that would let the not-assessed rules be scored. Answering
    # all of them (with the all-good answers) must leave no rule not assessed.
    first = score(catalog, CURRENT, minimal_audit())
    answered = minimal_audit()
    for path in first["missing_inputs"]:
        answered = with_value(answered, path, read_field(GOOD, path))
    again = score(catalog, CURRENT, answered)
    still = {r["rule"]: r["missing_inputs"] for r in again["results"] if r["status"] == "not_assessed"}
    assert still == {}, f"listed {len(first['missing_inputs'])} fields; still not assessed: {still}"


# ---------------------------------------------------------------------------------------------- ordering and gaps


def _order_key(result: Mapping[str, Any]) -> tuple[int, int, int]:
    is_gap = 0 if result["status"] in GAP_STATUSES else 1
    return (is_gap, BASIS_ORDER.index(result["basis"]) if is_gap == 0 else 0, -result["weight"] if is_gap == 0 else 0)


@pytest.mark.parametrize(("name", "ref"), AUDIT_CASES)
def test_gaps_come_first_statutory_first_then_by_weight(catalog: Catalog, name: str, ref: str) -> None:
    results = score(catalog, ref, AUDITS[name])["results"]
    keys = [_order_key(result) for result in results]
    assert keys == sorted(keys)


@pytest.mark.parametrize("name", ["example", "poor"])
def test_ordering_is_tested_on_audits_with_varied_gaps(catalog: Catalog, name: str) -> None:
    # The ordering test above means something only if gaps of several bases and weights are mixed with others.
    results = score(catalog, CURRENT, AUDITS[name])["results"]
    gaps = [r for r in results if r["status"] in GAP_STATUSES]
    assert len({r["basis"] for r in gaps}) >= 3
    assert len({r["weight"] for r in gaps}) >= 2
    assert len(gaps) < len(results)
    assert results[0]["basis"] == "statutory"
    assert results[0]["status"] in GAP_STATUSES


@pytest.mark.parametrize(("name", "ref"), AUDIT_CASES)
def test_gap_is_null_unless_partially_or_not_met(catalog: Catalog, name: str, ref: str) -> None:
    report = score(catalog, ref, AUDITS[name])
    rules = yaml_rules(ref)
    for result in report["results"]:
        if result["status"] in GAP_STATUSES:
            gap = result["gap"]
            assert gap is not None, result["rule"]
            assert gap["text"].strip()
            assert "{" not in gap["text"], f"unfilled placeholder in {result['rule']}: {gap['text']}"
            yaml_gap = rules[result["rule"]]["gap"]
            assert gap["field"] == yaml_gap.get("field")
            assert gap["unit"] == yaml_gap.get("unit")
            if gap["field"] is None:
                assert gap["amount"] is None
        else:
            assert result["gap"] is None, result["rule"]


# ---------------------------------------------------------------------------------------------- gap amounts

# A numeric gap says how much to add to a field: adding exactly that amount must meet the rule.
GAP_CASES = [
    # (rule, audit changes laid over GOOD)
    pytest.param(
        "senco.time", {"senco": {"protected_fte": 1.0}, "pupils": {"sen_support": 41, "ehcp": 20}}, id="senco-81"
    ),
    pytest.param(
        "senco.time", {"senco": {"protected_fte": 0.0}, "pupils": {"sen_support": 13, "ehcp": 0}}, id="senco-none"
    ),
    pytest.param(
        "senco.time", {"senco": {"protected_fte": 1.0}, "pupils": {"sen_support": 121, "ehcp": 0}}, id="senco-121"
    ),
    pytest.param("ta.sen-ratio", {"staffing": {"ta_fte": 10.0}, "pupils": {"sen_support": 81, "ehcp": 0}}, id="ta-8.1"),
    pytest.param("ta.sen-ratio", {"staffing": {"ta_fte": 2.0}, "pupils": {"sen_support": 100, "ehcp": 20}}, id="ta-60"),
    pytest.param(
        "ta.sen-ratio", {"staffing": {"ta_fte": 10.004}, "pupils": {"sen_support": 81, "ehcp": 0}}, id="ta-10.004"
    ),
    pytest.param("senco.admin-support", {"senco": {"admin_hours_per_week": 4.96}}, id="admin-4.96"),
    pytest.param("senco.admin-support", {"senco": {"admin_hours_per_week": 2.0}}, id="admin-2"),
    pytest.param("training.cpd-hours", {"training": {"send_cpd_hours_per_teacher": 5.96}}, id="cpd-5.96"),
    pytest.param("outcomes.parents-met", {"outcomes": {"parents_met_three_times_pct": 89.96}}, id="parents-89.96"),
    pytest.param(
        "outcomes.attendance-gap",
        {"outcomes": {"attendance_send_pct": 91.96, "attendance_non_send_pct": 95.0}},
        id="attendance-gap-3.04",
    ),
    pytest.param("environment.sensory-space", {"environment": {"sensory_spaces": 0}}, id="sensory-0"),
    pytest.param(
        "environment.sensory-space",
        {"pupils": {"on_roll": 1201}, "environment": {"sensory_spaces": 1}},
        id="sensory-1of4",
    ),
    pytest.param("training.teachers-send-cpd", {"training": {"teachers_send_cpd_12m": 44}}, id="teachers-44of50"),
    pytest.param("training.tas-send", {"training": {"tas_total": 31, "tas_send_training_12m": 3}}, id="tas-3of31"),
    pytest.param("ta.teacher-liaison", {"staffing": {"ta_liaison_minutes_per_week": 5}}, id="liaison-5"),
]


@pytest.mark.parametrize(("rule", "changes"), GAP_CASES)
def test_adding_the_gap_amount_to_the_gap_field_meets_the_rule(
    catalog: Catalog, rule: str, changes: Mapping[str, Any]
) -> None:
    audit = merge(GOOD, changes)
    result = by_rule(score(catalog, CURRENT, audit))[rule]
    assert result["status"] in GAP_STATUSES
    gap = result["gap"]
    assert gap["amount"] is not None
    assert gap["amount"] > 0, f"a shortfall of {gap['amount']} {gap['unit']}"
    raised = with_value(audit, gap["field"], read_field(audit, gap["field"]) + gap["amount"])
    after = by_rule(score(catalog, CURRENT, raised))[rule]
    assert after["status"] == "met", (
        f"{rule}: {gap['field']} {read_field(audit, gap['field'])} + gap {gap['amount']} "
        f"= {read_field(raised, gap['field'])} is still {after['status']} (measured {after['measured']['value']})"
    )
