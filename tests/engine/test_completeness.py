"""Bands that reward honest answers: a report short of its version's completeness rule keeps its score but gets the
lowest band, and says why; a full, honest audit is unchanged."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from typing import Any

import pytest

from api.contract.validation import validate_audit
from api.engine import render
from api.engine.scoring import Scorer
from api.rules.catalog import Catalog
from api.service.agreements.adjusted import adjust_report
from api.service.demo import load_real_schools, realistic_audit
from tests.conftest import example_audit, minimal_audit, valid
from tests.engine.expectations import expected_complete, uncapped_band
from tests.rules.test_cases import ALL_CASES

NATIONAL = ("national@2025.1", "national@2026.1")
# The audits: four "yes" answers and everything else blank; and a single answer.
FOUR_YES = minimal_audit(
    senco={"designated": True, "qualified_teacher": True},
    governance={"send_governor": True},
    published={"local_offer_link": True},
)
ONE_ANSWER = minimal_audit(governance={"send_governor": True})


def scored(catalog: Catalog, ref: str, audit: dict[str, Any]) -> dict[str, Any]:
    return dict(Scorer(catalog.get(ref)).score(valid(audit, catalog.get(ref).questions)).to_dict())


@pytest.mark.parametrize("ref", NATIONAL)
@pytest.mark.parametrize("audit", [FOUR_YES, ONE_ANSWER], ids=["four-yes", "one-answer"])
def test_a_sparse_audit_keeps_its_score_but_gets_the_lowest_band(
    catalog: Catalog, ref: str, audit: dict[str, Any]
) -> None:
    report = scored(catalog, ref, audit)
    assert report["score"] == 100.0  # every rule it could check is met…
    assert (report["band"], report["band_label"]) == ("emerging", "Emerging")  # …but it is not Enhanced
    assert report["complete"] is False
    assert report["coverage"] < 0.8
    duties, coverage = report["incomplete_reasons"]
    statutory = [r for r in report["results"] if r["basis"] == "statutory" and r["status"] == "not_assessed"]
    assert duties.startswith(f"{len(statutory)} legal duties could not be checked because questions were left blank")
    assert all(f"“{result['title']}”" in duties for result in statutory)
    assert coverage == (
        f"Only {round(report['coverage'] * 100)}% of the rules that apply could be checked; a band above the lowest "
        "needs at least 80%."
    )


@pytest.mark.parametrize("ref", NATIONAL)
def test_a_full_honest_audit_is_complete_and_banded_by_its_score(catalog: Catalog, ref: str) -> None:
    report = scored(catalog, ref, example_audit())
    assert expected_complete(report["results"])
    assert (report["complete"], report["incomplete_reasons"]) == (True, [])
    bands = [{"id": band.id, "min_score": band.min_score} for band in catalog.get(ref).bands]
    expected = "emerging" if report["capped_by"] else uncapped_band(report["score"], bands)
    assert report["band"] == expected


def test_one_statutory_rule_left_blank_is_enough_to_be_incomplete(catalog: Catalog) -> None:
    full = example_audit()
    full["governance"].pop("accessibility_plan_reviewed_on")
    report = scored(catalog, "national@2026.1", full)
    assert report["coverage"] >= 0.8
    assert report["complete"] is False
    assert report["band"] == "emerging"
    assert report["incomplete_reasons"] == [
        "1 legal duty could not be checked because questions were left blank: "
        f"“{catalog.get('national@2026.1').rule('governance.accessibility-plan').title}”."  # type: ignore[union-attr]
    ]
    assert "governance.accessibility_plan_reviewed_on" in report["missing_inputs"]


def test_a_version_without_a_completeness_rule_bands_by_score_alone(catalog: Catalog) -> None:
    national = catalog.get("national@2026.1")
    questions = national.questions.model_copy(update={"completeness": None})
    report = Scorer(dataclasses.replace(national, questions=questions)).score(valid(FOUR_YES)).to_dict()
    assert (report["complete"], report["incomplete_reasons"], report["band"]) == (True, [], "enhanced")


def test_agreed_exceptions_do_not_lift_an_incomplete_report_above_the_lowest_band(catalog: Catalog) -> None:
    report = scored(catalog, "national@2026.1", FOUR_YES)
    bands = [(band.id, band.min_score) for band in catalog.get("national@2026.1").bands]
    assert adjust_report(report=report, excepted=[], bands=bands).band == "emerging"
    complete = scored(catalog, "national@2026.1", example_audit())
    assert adjust_report(report=complete, excepted=[], bands=bands).band == complete["band"]


def test_the_text_report_says_why_the_band_is_the_lowest(catalog: Catalog) -> None:
    text = render.to_text(scored(catalog, "national@2026.1", FOUR_YES))
    assert "Score 100.0 out of 100; band: Emerging" in text
    assert "The band is the lowest because the audit is incomplete: " in text
    assert "legal duties could not be checked" in text


def without_completeness(report: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in report.items() if key not in ("complete", "incomplete_reasons", "band_label")}


def test_every_case_and_demo_report_is_unchanged_except_the_band_of_an_incomplete_one(catalog: Catalog) -> None:
    """The reports of every rule case and of 200 realistic audits of real schools, scored with and without the
    completeness rule: equal in every field, except that an incomplete report's band is the lowest."""
    audits: list[tuple[str, dict[str, Any]]] = [
        (case.ref, minimal_audit(**case.audit)) for case in ALL_CASES if case.ref.startswith("national@")
    ]
    rng = random.Random(11)
    schools = [school for school in load_real_schools() if school.urn]
    for number in range(200):
        school = schools[number % len(schools)]
        day = dt.date(2026, 10, 1) if number % 2 else dt.date(2025, 11, 1)
        ref = "national@2026.1" if number % 2 else "national@2025.1"
        audits.append((ref, realistic_audit(rng, school, str(school.urn), day)))
    seen = {True: 0, False: 0}
    for ref, audit in audits:
        standards = catalog.get(ref)
        plain = dataclasses.replace(standards, questions=standards.questions.model_copy(update={"completeness": None}))
        answers = validate_audit(audit, questions=standards.questions)
        report: dict[str, Any] = dict(Scorer(standards).score(answers).to_dict())
        before = dict(Scorer(plain).score(answers).to_dict())
        seen[bool(report["complete"])] += 1
        if report["complete"]:
            assert report == {**before, "complete": True, "incomplete_reasons": []}
        else:
            assert without_completeness(report) == {**without_completeness(before), "band": "emerging"}
    assert seen[True] >= 150, seen  # both kinds were compared
    assert seen[False] >= 50, seen
