"""Conditions (``when:``): an equality on a yes/no or a choice, or a size band on a number; a rule whose
condition does not hold is not applicable, one whose condition is unanswered is not assessed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from api.contract.validation import validate_audit
from api.engine.scoring import Scorer
from api.errors import StandardsError
from api.rules.catalog import load_catalog
from api.rules.schema import Condition
from tests.conftest import minimal_audit
from tests.councils import council_standards

HOLDS = [
    ({"field": "pupils.on_roll", "at_least": 100}, 100, True),
    ({"field": "pupils.on_roll", "at_least": 100}, 99, False),
    ({"field": "pupils.on_roll", "at_most": 210}, 210, True),
    ({"field": "pupils.on_roll", "at_most": 210}, 211, False),
    ({"field": "pupils.on_roll", "at_least": 100, "at_most": 210}, 150, True),
    ({"field": "pupils.on_roll", "at_least": 100, "at_most": 210}, 250, False),
    ({"field": "staffing.ta_fte", "at_least": 2.5}, 2.5, True),
    ({"field": "school.receives_imf", "equals": True}, True, True),
    ({"field": "school.receives_imf", "equals": True}, False, False),
    ({"field": "school.phase", "equals": "primary"}, "secondary", False),
]


@pytest.mark.parametrize(("written", "value", "holds"), HOLDS)
def test_condition_holds(written: dict[str, Any], value: Any, holds: bool) -> None:
    assert Condition.model_validate(written).holds(value) is holds


REFUSED = [
    ({"field": "pupils.on_roll"}, "needs equals, or at_least and/or at_most"),
    ({"field": "pupils.on_roll", "equals": "x", "at_least": 1}, "not both"),
    ({"field": "pupils.on_roll", "at_least": 300, "at_most": 200}, r"at_least \(300\) is more than at_most \(200\)"),
    ({"field": "pupils.on_roll", "at_least": float("inf")}, "finite"),
]


@pytest.mark.parametrize(("written", "words"), REFUSED)
def test_malformed_condition_is_refused(written: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        Condition.model_validate(written)


BANDED_RULE = """
  - id: published.small-school-offer
    title: A small school links to the Local Offer
    domain: published
    basis: guidance
    weight: 1
    applies_to: [primary, secondary]
    when: [{field: pupils.on_roll, at_least: 1, at_most: 210}]
    check: {kind: flag, field: published.local_offer_link}
    gap: {partially_met: Link the website to the Local Offer., not_met: Link the website to the Local Offer.}
    message: {missing: No link., why: Parents look there first., how: Add the link.}
    sources: [{source: cop-2015, ref: paragraph 6.81, verify: true}]
    review_by: 2027-08-31
"""


def overlay_with(tmp_path: Path, rule: str) -> Path:
    return council_standards(tmp_path, rules=rule)


@pytest.mark.parametrize(
    ("on_roll", "status"),
    [(None, "not_assessed"), (0, "not_applicable"), (1, "not_met"), (210, "not_met"), (211, "not_applicable")],
)
def test_a_size_band_decides_where_a_rule_applies(tmp_path: Path, on_roll: int | None, status: str) -> None:
    catalog = load_catalog(overlay_with(tmp_path, BANDED_RULE))
    pupils = {} if on_roll is None else {"on_roll": on_roll}
    audit = minimal_audit(school={"phase": "primary"}, pupils=pupils, published={"local_offer_link": False})
    standards = catalog.get("somerset-example@2026.1")
    report = Scorer(standards).score(validate_audit(audit, questions=standards.questions)).to_dict()
    result = next(r for r in report["results"] if r["rule"] == "published.small-school-offer")
    assert result["status"] == status
    if status == "not_assessed":
        assert result["missing_inputs"] == ["pupils.on_roll"]


def test_a_band_on_a_field_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    rule = BANDED_RULE.replace("field: pupils.on_roll, at_least: 1", "field: school.phase, at_least: 1")
    with pytest.raises(StandardsError) as raised:
        load_catalog(overlay_with(tmp_path, rule))
    messages = [str(problem) for problem in raised.value.problems]
    assert any(
        "[rule published.small-school-offer]" in m and "bands a number, but it is a choice" in m for m in messages
    ), messages


# --- a band on a total (pupils with SEND = SEN support + EHC plans), and a provisional limit's reference point

COHORT_RULE = """
  - id: outcomes.send-cohort-attendance
    title: Pupils with SEND attend as well as others
    domain: outcomes
    basis: provisional
    weight: 1
    when: [{sum: [pupils.sen_support, pupils.ehcp], at_least: 10}]
    check: {kind: flag, field: published.local_offer_link}
    gap: {partially_met: Act on attendance., not_met: Act on attendance.}
    message: {missing: A gap., why: It matters. The limit is provisional., how: Close it.}
    sources: [{source: cop-2015, ref: paragraph 6.65, verify: true}]
    reference: {text: "About 1 in 5 pupils in England has SEND.", source: sen-stats-2025, ref: Table 1}
    review_by: 2027-08-31
"""


@pytest.mark.parametrize(
    ("pupils", "status"),
    [
        ({"sen_support": 6, "ehcp": 3}, "not_applicable"),  # 9 pupils with SEND: too few to judge
        ({"sen_support": 7, "ehcp": 3}, "not_met"),  # 10: the band holds
        ({"sen_support": 7}, "not_assessed"),  # one part of the total unanswered
    ],
)
def test_a_band_on_a_sum_of_fields(tmp_path: Path, pupils: dict[str, int], status: str) -> None:
    standards = load_catalog(overlay_with(tmp_path, COHORT_RULE)).get("somerset-example@2026.1")
    audit = minimal_audit(pupils={"on_roll": 100, **pupils}, published={"local_offer_link": False})
    report = Scorer(standards).score(validate_audit(audit, questions=standards.questions)).to_dict()
    result = next(r for r in report["results"] if r["rule"] == "outcomes.send-cohort-attendance")
    assert result["status"] == status
    if status == "not_assessed":
        assert result["missing_inputs"] == ["pupils.ehcp"]
    assert result["reference"] == {
        "text": "About 1 in 5 pupils in England has SEND.",
        "source": "sen-stats-2025",
        "title": standards.sources["sen-stats-2025"].title,
        "ref": "Table 1",
    }


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ({"sum": ["pupils.sen_support", "pupils.ehcp"], "equals": True}, "can only be banded"),
        ({"sum": ["pupils.sen_support"], "at_least": 1}, "at least two fields"),
        ({"field": "pupils.on_roll", "sum": ["pupils.sen_support", "pupils.ehcp"], "at_least": 1}, "not both"),
        ({"at_least": 1}, "not both"),
    ],
)
def test_a_malformed_sum_is_refused(written: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        Condition.model_validate(written)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ("sum: [pupils.sen_support, school.phase]", "condition on 'school.phase' bands a number, but it is a choice"),
        ("sum: [pupils.sen_support, pupils.nobody]", "condition reads unknown audit field 'pupils.nobody'"),
    ],
)
def test_a_sum_on_fields_that_are_not_numbers_is_refused(tmp_path: Path, change: str, words: str) -> None:
    rule = COHORT_RULE.replace("sum: [pupils.sen_support, pupils.ehcp]", change)
    with pytest.raises(StandardsError) as raised:
        load_catalog(overlay_with(tmp_path, rule))
    assert any("[rule outcomes.send-cohort-attendance]" in str(p) and words in str(p) for p in raised.value.problems)


def test_a_reference_citing_an_unknown_source_is_refused(tmp_path: Path) -> None:
    rule = COHORT_RULE.replace("source: sen-stats-2025", "source: nowhere")
    with pytest.raises(StandardsError) as raised:
        load_catalog(overlay_with(tmp_path, rule))
    assert any("reference cites unknown source 'nowhere'" in str(p) for p in raised.value.problems)


def test_reports_show_the_reference_point_and_a_statement_s_rating_in_words(tmp_path: Path) -> None:
    from api.engine import render

    standards = load_catalog(overlay_with(tmp_path, COHORT_RULE)).get("somerset-example@2026.1")
    audit = minimal_audit(pupils={"on_roll": 100, "sen_support": 8, "ehcp": 2}, published={"local_offer_link": False})
    report = Scorer(standards).score(validate_audit(audit, questions=standards.questions)).to_dict()
    expected = f"About 1 in 5 pupils in England has SEND. ({standards.sources['sen-stats-2025'].title}, Table 1)"
    assert f"  Reference point: {expected}" in render.to_text(report)
    assert f"- **Reference point:** {expected}" in render.to_markdown(report)
    rated = {"measured": {"value": "partly_in_place", "unit": None}}
    assert render.measured_words(rated) == "partly in place"
