"""What the engine's tests expect, worked out from the gap-report contract and the standards YAML read directly
(never through the catalogue, never copied from printed output), and the audits they score."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import merge, minimal_audit

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


NATIONAL_COVERAGE_AT_LEAST = Fraction(4, 5)  # the national questions' completeness rule


def expected_complete(results: Sequence[Mapping[str, Any]]) -> bool:
    """The national completeness rule, recomputed from the results: every statutory rule that applies assessed,
    and at least 80% of the rules that apply assessed."""
    applicable = [r for r in results if r["status"] != "not_applicable"]
    assessed = [r for r in applicable if r["status"] != "not_assessed"]
    if any(r["basis"] == "statutory" for r in applicable if r not in assessed):
        return False
    return bool(applicable) and Fraction(len(assessed), len(applicable)) >= NATIONAL_COVERAGE_AT_LEAST


def expected_band(report: Mapping[str, Any], bands: Sequence[Mapping[str, Any]]) -> str | None:
    if not expected_complete(report["results"]):
        lowest: str = min(bands, key=lambda band: band["min_score"])["id"]
        return lowest
    if report["score"] is None:
        return None
    if expected_capped_by(report["results"]):
        return str(min(bands, key=lambda band: band["min_score"])["id"])
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
