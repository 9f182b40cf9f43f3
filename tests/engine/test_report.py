"""The gap report against its contract: every field present, titles and bases from the YAML, domain scores
and counts."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

import pytest

from api.engine.scoring import Scorer
from api.rules.catalog import Catalog
from tests.conftest import merge, score, valid
from tests.engine.expectations import (
    ASSESSED,
    AUDIT_CASES,
    AUDITS,
    CURRENT,
    GOOD,
    NATIONAL,
    REPORT_KEYS,
    RESULT_KEYS,
    STANDARDS_DIR,
    by_rule,
    expected_band,
    expected_capped_by,
    expected_complete,
    expected_score,
    status_of,
    yaml_file,
    yaml_rules,
)

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
    assert report["complete"] == expected_complete(report["results"])
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
        ({"senco": {"protected_fte": 50}}, "senco.time", "met"),
        ({"pupils": {"on_roll": 10000, "sen_support": 9000}}, "senco.time", "not_met"),
        ({"pupils": {"on_roll": 10000}}, "environment.sensory-space", "partially_met"),
    ],
)
def test_extreme_but_valid_numbers_are_scored(
    catalog: Catalog, changes: Mapping[str, Any], rule: str, status: str
) -> None:
    report = score(catalog, CURRENT, merge(GOOD, changes))
    assert status_of(report, rule) == status
    assert report["score"] == expected_score(report["results"])


def strict_json(text: str) -> Any:
    """``text`` decoded as standard JSON: Infinity and NaN, which Python would accept, are refused."""

    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(
    "changes",
    [
        {"senco": {"protected_fte": 5e-324}},  # the smallest float: dividing by it overflows
        {"staffing": {"ta_fte": 5e-324}},
        {"senco": {"protected_fte": 1e-300}},
        {"pupils": {"on_roll": 10000, "sen_support": 9000}, "senco": {"protected_fte": 5e-324}},
    ],
)
def test_every_report_of_a_valid_audit_is_standard_json(catalog: Catalog, changes: Mapping[str, Any]) -> None:
    """Reports are stored and served as JSON, so no measured value or gap may be infinite or not a number, whatever
    valid answer a school gives: a resource too small to divide by counts as none of it."""
    standards = catalog.get(CURRENT)
    report = Scorer(standards).score(valid(merge(GOOD, changes), standards.questions))
    decoded = strict_json(report.to_json())
    assert decoded == strict_json(json.dumps(report.to_dict()))
    for result in decoded["results"]:
        assert (
            result["measured"]["value"] is None
            or not isinstance(result["measured"]["value"], float)
            or (math.isfinite(result["measured"]["value"]))
        )
    if changes.get("senco", {}).get("protected_fte") == 5e-324:
        senco_time = next(r for r in decoded["results"] if r["rule"] == "senco.time")
        assert (senco_time["status"], senco_time["measured"]["value"]) == ("not_met", None)
