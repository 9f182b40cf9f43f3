"""The scoring engine against the gap-report contract.

Expected values are worked out here from the contract and from the standards YAML read directly (not
through the catalogue), never copied from printed output: the score is recomputed from the results'
statuses and weights, the band from the YAML bands, the order from the basis order.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.contract.fields import FIELDS
from api.engine.checks import anniversary, round_half_up
from api.rules.catalog import Catalog
from tests.conftest import TODAY, merge, minimal_audit, score

ROOT = Path(__file__).resolve().parents[2]
STANDARDS_DIR = ROOT / "standards"
EXAMPLE_PATH = ROOT / "api" / "examples" / "example-audit.yaml"
NATIONAL = ("national@2025.1", "national@2026.1")
CURRENT = "national@2026.1"

GAP_STATUSES = ("not_met", "partially_met")
ASSESSED = ("met", "partially_met", "not_met")
CREDIT = {"met": Fraction(1), "partially_met": Fraction(1, 2), "not_met": Fraction(0)}
BASIS_ORDER = ("statutory", "statutory_guidance", "condition_of_grant", "guidance", "proposal", "provisional")

REPORT_KEYS = {
    "standards",
    "school",
    "audit_date",
    "score",
    "band",
    "capped_by",
    "coverage",
    "missing_inputs",
    "results",
}
RESULT_KEYS = {
    "rule",
    "title",
    "domain",
    "basis",
    "weight",
    "status",
    "measured",
    "limits",
    "gap",
    "message",
    "sources",
}


# ---------------------------------------------------------------------------------------------- helpers


def yaml_file(ref: str) -> dict[str, Any]:
    """A standards file read straight from disk (no catalogue, no overlays)."""
    name, version = ref.split("@")
    data: dict[str, Any] = yaml.safe_load((STANDARDS_DIR / name / f"{version}.yaml").read_text(encoding="utf-8"))
    return data


def yaml_rules(ref: str) -> dict[str, dict[str, Any]]:
    return {rule["id"]: rule for rule in yaml_file(ref)["rules"]}


def half_up(value: Fraction, places: int) -> Fraction:
    """Exact round-half-up of a non-negative fraction."""
    scale = 10**places
    return Fraction(math.floor(value * scale + Fraction(1, 2)), scale)


def expected_score(results: Sequence[Mapping[str, Any]]) -> float | None:
    """100 × Σ(weight × credit) ÷ Σ(weight) over assessed results, rounded half up to one decimal."""
    assessed = [result for result in results if result["status"] in CREDIT]
    total = sum(result["weight"] for result in assessed)
    if total == 0:
        return None
    earned = sum(result["weight"] * CREDIT[result["status"]] for result in assessed)
    return float(half_up(Fraction(100) * earned / total, 1))


def expected_capped_by(results: Sequence[Mapping[str, Any]]) -> list[str]:
    return sorted(r["rule"] for r in results if r["basis"] == "statutory" and r["status"] == "not_met")


def uncapped_band(score_value: float | None, bands: Sequence[Mapping[str, Any]]) -> str | None:
    if score_value is None:
        return None
    reached = [band for band in bands if score_value >= band["min_score"]]
    top: str = max(reached, key=lambda band: band["min_score"])["id"]
    return top


def expected_band(report: Mapping[str, Any], bands: Sequence[Mapping[str, Any]]) -> str | None:
    if report["score"] is None:
        return None
    if expected_capped_by(report["results"]):
        lowest: str = min(bands, key=lambda band: band["min_score"])["id"]
        return lowest
    return uncapped_band(report["score"], bands)


def by_rule(report: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {result["rule"]: result for result in report["results"]}


def status_of(report: Mapping[str, Any], rule: str) -> str:
    status: str = by_rule(report)[rule]["status"]
    return status


def without(audit: Mapping[str, Any], *paths: str) -> dict[str, Any]:
    """A deep copy of ``audit`` with the dotted ``paths`` left out (not answered)."""
    out = copy.deepcopy(dict(audit))
    for path in paths:
        section, name = path.split(".")
        del out[section][name]
    return out


def with_value(audit: Mapping[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``audit`` with one dotted field set."""
    out = copy.deepcopy(dict(audit))
    section, name = path.split(".")
    out.setdefault(section, {})[name] = value
    return out


def read_field(audit: Mapping[str, Any], path: str) -> Any:
    section, name = path.split(".")
    return audit[section][name]


# ---------------------------------------------------------------------------------------------- audits

# Every rule of national@2026.1 met (a secondary school, so the inclusion-base rule applies too).
GOOD: dict[str, Any] = {
    "audit_date": "2026-11-01",
    "school": {"urn": "100001", "name": "Good School", "phase": "secondary", "sites": 1, "receives_imf": True},
    "pupils": {"on_roll": 800, "sen_support": 100, "ehcp": 20},
    "senco": {
        "designated": True,
        "qualified_teacher": True,
        "appointed_on": "2020-01-06",
        "prior_senco_months": 0,
        "qualification": "npq_senco",
        "qualification_started_on": "2020-02-01",
        "qualification_completed_on": "2021-06-30",
        "on_slt": True,
        "protected_fte": 2.0,
        "admin_hours_per_week": 10,
        "private_workspace": True,
        "secure_storage": True,
    },
    "staffing": {
        "teachers_fte": 50.0,
        "ta_fte": 20.0,
        "ta_deployment_policy": True,
        "ta_liaison_minutes_per_week": 60,
        "ta_structured_intervention_pct": 90,
    },
    "training": {
        "teachers_total": 50,
        "teachers_send_cpd_12m": 50,
        "tas_total": 25,
        "tas_send_training_12m": 25,
        "send_cpd_hours_per_teacher": 8,
        "areas_of_need_covered": 4,
    },
    "environment": {
        "sensory_spaces": 2,
        "small_group_rooms": 3,
        "accessible_toilet": True,
        "sensory_audit_on": "2026-06-01",
        "inclusion_base": "specialist",
    },
    "leadership": {"slt_senco_qualified": 1, "inclusion_strategy_reviewed_on": "2026-09-01"},
    "governance": {
        "send_governor": True,
        "sen_information_report_updated_on": "2026-09-01",
        "accessibility_plan_reviewed_on": "2025-01-01",
        "send_governor_trained_on": "2026-01-01",
        "send_report_to_board_on": "2026-07-01",
    },
    "published": {"send_policy_reviewed_on": "2025-09-01", "local_offer_link": True, "sen_report_items_missing": 0},
    "outcomes": {
        "attendance_send_pct": 94.0,
        "attendance_non_send_pct": 95.0,
        "suspension_rate_send": 1.0,
        "suspension_rate_non_send": 0.8,
        "parents_met_three_times_pct": 95.0,
    },
}

# Many shortfalls of every basis, some partial.
POOR = merge(
    GOOD,
    {
        "senco": {"on_slt": False, "protected_fte": 1.2, "admin_hours_per_week": 0, "secure_storage": False},
        "staffing": {"ta_fte": 12.0, "ta_deployment_policy": False, "ta_structured_intervention_pct": 60},
        "training": {"teachers_send_cpd_12m": 20, "send_cpd_hours_per_teacher": 4},
        "environment": {"sensory_spaces": 1, "inclusion_base": "planned", "sensory_audit_on": None},
        "governance": {"accessibility_plan_reviewed_on": None, "send_governor_trained_on": "2024-01-01"},
        "published": {"sen_report_items_missing": 2},
        "outcomes": {"attendance_send_pct": 90.0},
    },
)

# Only some sections answered: a mix of assessed and not-assessed rules.
PARTIAL = minimal_audit(
    school={"name": "Partial School", "phase": "primary"},
    pupils={"on_roll": 300, "sen_support": 50, "ehcp": 8},
    senco={"designated": True, "qualified_teacher": True, "protected_fte": 0.5},
    governance={"send_governor": False, "sen_information_report_updated_on": None},
)


def example_audit() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE_PATH.read_text(encoding="utf-8"))
    return data


AUDITS: dict[str, dict[str, Any]] = {
    "example": example_audit(),
    "minimal": minimal_audit(),
    "all-good": GOOD,
    "poor": POOR,
    "partial": PARTIAL,
}
AUDIT_CASES = [pytest.param(name, ref, id=f"{name}-{ref}") for name in AUDITS for ref in NATIONAL]


# ---------------------------------------------------------------------------------------------- contract


@pytest.mark.parametrize(("name", "ref"), AUDIT_CASES)
def test_report_has_every_contract_field(catalog: Catalog, name: str, ref: str) -> None:
    audit = AUDITS[name]
    report = score(catalog, ref, audit)
    assert set(report) >= REPORT_KEYS
    set_name, version = ref.split("@")
    sha = hashlib.sha256((STANDARDS_DIR / set_name / f"{version}.yaml").read_bytes()).hexdigest()
    assert report["standards"] == {"set": set_name, "version": version, "sha256": sha, "extends": None}
    school = audit["school"]
    assert report["school"] == {"urn": school["urn"], "name": school.get("name"), "phase": school.get("phase")}
    assert report["audit_date"] == str(audit["audit_date"])
    assert isinstance(report["capped_by"], list)
    assert isinstance(report["missing_inputs"], list)
    assert len(report["results"]) == len(yaml_rules(ref))
    for result in report["results"]:
        assert set(result) >= RESULT_KEYS, result["rule"]
        assert result["status"] in (*ASSESSED, "not_applicable", "not_assessed")
        assert set(result["measured"]) == {"value", "unit"}
        assert set(result["message"]) == {"missing", "why", "how"}
        assert all(result["message"][part].strip() for part in ("missing", "why", "how"))
        assert result["sources"], f"{result['rule']} cites no source"
        assert isinstance(result["limits"], Mapping)
        if result["gap"] is not None:
            assert set(result["gap"]) == {"amount", "unit", "field", "text"}


@pytest.mark.parametrize("ref", NATIONAL)
def test_results_carry_the_yaml_rules_title_domain_basis_and_weight(catalog: Catalog, ref: str) -> None:
    report = score(catalog, ref, GOOD)
    rules = yaml_rules(ref)
    assert set(by_rule(report)) == set(rules)
    for result in report["results"]:
        rule = rules[result["rule"]]
        assert (result["title"], result["domain"], result["basis"], result["weight"]) == (
            rule["title"],
            rule["domain"],
            rule["basis"],
            rule["weight"],
        )


@pytest.mark.parametrize(("name", "ref"), AUDIT_CASES)
def test_score_band_and_capped_by_recomputed_from_results(catalog: Catalog, name: str, ref: str) -> None:
    report = score(catalog, ref, AUDITS[name])
    bands = yaml_file(ref)["bands"]
    assert report["score"] == expected_score(report["results"])
    assert report["capped_by"] == expected_capped_by(report["results"])
    assert report["band"] == expected_band(report, bands)


def test_all_good_audit_scores_100_in_the_top_band(catalog: Catalog) -> None:
    report = score(catalog, CURRENT, GOOD)
    statuses = {result["status"] for result in report["results"]}
    assert statuses == {"met"}
    top = max(yaml_file(CURRENT)["bands"], key=lambda band: band["min_score"])["id"]
    assert (report["score"], report["band"], report["capped_by"], report["coverage"]) == (100, top, [], 1)


@pytest.mark.parametrize(
    ("statuses", "weights", "expected"),
    [
        # (status per rule, weight per rule, score by hand)
        (("met", "not_met"), (1, 1), 50.0),
        (("met", "partially_met", "not_met"), (1, 1, 1), 50.0),
        (("partially_met",), (3,), 50.0),
        (("met", "not_met", "not_met"), (1, 1, 1), 33.3),
        (("met", "met", "not_met"), (1, 1, 1), 66.7),
        (("met", "not_met"), (1, 7), 12.5),
        (("partially_met", "not_met"), (1, 7), 6.3),  # 6.25 rounds half up
        (("met", "not_applicable", "not_assessed"), (1, 9, 9), 100.0),
        (("not_applicable", "not_assessed"), (1, 1), None),
    ],
)
def test_expected_score_helper_follows_the_contract(
    statuses: tuple[str, ...], weights: tuple[int, ...], expected: float | None
) -> None:
    # The helper the other tests trust, checked against hand-worked values.
    results = [{"status": s, "weight": w} for s, w in zip(statuses, weights, strict=True)]
    assert expected_score(results) == expected


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
def test_minimal_audit_assesses_nothing_so_score_and_band_are_none(catalog: Catalog, ref: str) -> None:
    report = score(catalog, ref, minimal_audit())
    assert {result["status"] for result in report["results"]} == {"not_assessed"}
    assert report["score"] is None
    assert report["band"] is None
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
    assert all(path in FIELDS for path in report["missing_inputs"])


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


# ---------------------------------------------------------------------------------------------- domains and counts


@pytest.mark.parametrize(("name", "ref"), AUDIT_CASES)
def test_every_domain_has_a_score_and_counts(catalog: Catalog, name: str, ref: str) -> None:
    report = score(catalog, ref, AUDITS[name])
    domains = {domain["id"]: domain for domain in report["domains"]}
    yaml_domains = [domain["id"] for domain in yaml_file(ref)["domains"]]
    assert list(domains) == yaml_domains
    for domain_id, domain in domains.items():
        members = [result for result in report["results"] if result["domain"] == domain_id]
        assert members, f"{domain_id} has no rules"
        expected_counts = dict.fromkeys((*ASSESSED, "not_applicable", "not_assessed"), 0)
        for result in members:
            expected_counts[result["status"]] += 1
        assert domain["counts"] == expected_counts, domain_id
        assert sum(domain["counts"].values()) == sum(1 for r in yaml_rules(ref).values() if r["domain"] == domain_id)
        assert domain["score"] == expected_score(members), domain_id
    total = {status: sum(domain["counts"][status] for domain in domains.values()) for status in report["counts"]}
    assert total == report["counts"]
    assert sum(report["counts"].values()) == len(report["results"])


@pytest.mark.parametrize(
    ("changes", "rule", "status"),
    [
        # Valid audits at the edges of the number range are scored, never crash.
        ({"staffing": {"ta_fte": 5e-324}}, "ta.sen-ratio", "not_met"),
        ({"staffing": {"ta_fte": 1e-30}}, "ta.sen-ratio", "not_met"),
        ({"senco": {"protected_fte": 1e-300}}, "senco.time", "not_met"),
        ({"outcomes": {"suspension_rate_non_send": 2.2250738585072014e-308}}, "outcomes.suspension-ratio", "not_met"),
        ({"senco": {"protected_fte": 1e308}}, "senco.time", "met"),
        ({"pupils": {"on_roll": 10**20, "sen_support": 10**19}}, "senco.time", "not_met"),
        ({"pupils": {"on_roll": 10**20}}, "environment.sensory-space", "partially_met"),
    ],
)
def test_extreme_but_valid_numbers_are_scored(
    catalog: Catalog, changes: Mapping[str, Any], rule: str, status: str
) -> None:
    report = score(catalog, CURRENT, merge(GOOD, changes))
    assert status_of(report, rule) == status
    assert report["score"] == expected_score(report["results"])
