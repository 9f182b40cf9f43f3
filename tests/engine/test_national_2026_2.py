"""national@2026.2 no longer tells a lawful school it breaks the law: the three audits the content review of November
2026 found capped at the lowest band under national@2026.1 (errors E1, E2 and E3) keep their band under 2026.2."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from api.engine.scoring import Scorer
from api.rules.catalog import Catalog
from tests.conftest import example_audit, loaded_catalog, valid

NEW = "national@2026.2"
OLD = "national@2026.1"


def full_audit() -> dict[str, Any]:
    """The bundled example audit (audit date 2 November 2026; its SEN information report was updated on 30 September
    2025, 13 months before) with the answers to the questions 2026.2 adds, every practice statement in place."""
    audit = example_audit()
    audit["senco"].update(
        is_head_or_acting_head=False,
        induction_completed=True,
        teaches_at_school=True,
        role_determined=True,
        appointed_by_sept_2009=False,
    )
    audit["governance"]["sen_information_report_published"] = True
    audit["inclusion"] = {"school_send_pct": 20.2, "la_send_pct": 18.0, "part_time_timetables": 0, "left_roll_send": 1}
    audit["outcomes"].update(persistent_absence_send_pct=28.0, persistent_absence_all_pct=19.0)
    for question in loaded_catalog().get(NEW).questions.questions:  # every practice statement in place, with evidence
        if question.kind == "statement":
            section, name = question.id.split(".")
            audit.setdefault(section, {})[name] = {"rating": "in_place", "evidence": "Governors' visit notes, 2026"}
    return audit


def scored(catalog: Catalog, ref: str, audit: dict[str, Any]) -> dict[str, Any]:
    standards = catalog.get(ref)
    if ref == OLD:  # the questions 2026.1 never asked are left out, as a stored 2026.1 audit would be
        asked = {question.id for question in standards.questions.questions}
        audit = {
            section: {k: v for k, v in answers.items() if f"{section}.{k}" in asked}
            if isinstance(answers, dict) and section != "school"
            else answers
            for section, answers in audit.items()
        }
        audit["school"] = {k: v for k, v in audit["school"].items() if k == "urn" or f"school.{k}" in asked}
        audit = {section: answers for section, answers in audit.items() if answers != {}}
    return dict(Scorer(standards).score(valid(audit, standards.questions)).to_dict())


def result(report: dict[str, Any], rule: str) -> dict[str, Any]:
    return next(entry for entry in report["results"] if entry["rule"] == rule)


def senco_appointed_in_2007(audit: dict[str, Any]) -> None:
    audit["senco"].update(
        appointed_on="2007-09-01",
        appointed_by_sept_2009=True,
        prior_senco_months=0,
        qualification="none",
        qualification_started_on=None,
        qualification_completed_on=None,
    )


def head_as_senco_without_qts(audit: dict[str, Any]) -> None:
    audit["senco"].update(is_head_or_acting_head=True, qualified_teacher=False)


def report_13_months_old(audit: dict[str, Any]) -> None:
    audit["governance"]["sen_information_report_updated_on"] = "2025-10-01"


CASES = [
    pytest.param(senco_appointed_in_2007, "senco.qualification", "not_applicable", id="senco-appointed-2007"),
    pytest.param(head_as_senco_without_qts, "senco.qualified-teacher", "not_applicable", id="head-as-senco-no-qts"),
    pytest.param(
        report_13_months_old, "governance.sen-information-report-updated", "partially_met", id="report-13-months"
    ),
]


def test_the_full_example_is_complete_and_uncapped_under_2026_2(catalog: Catalog) -> None:
    report = scored(catalog, NEW, full_audit())
    assert report["complete"] is True, report["incomplete_reasons"]
    assert report["capped_by"] == []


@pytest.mark.parametrize(("change", "rule", "status"), CASES)
def test_a_lawful_school_is_not_capped_under_2026_2(catalog: Catalog, change: Any, rule: str, status: str) -> None:
    audit = full_audit()
    change(audit)
    report = scored(catalog, NEW, audit)
    assert result(report, rule)["status"] == status
    assert report["capped_by"] == []
    assert report["complete"] is True
    assert report["band"] != "emerging"


@pytest.mark.parametrize(("change", "rule", "status"), CASES)
def test_the_same_school_was_capped_under_2026_1(catalog: Catalog, change: Any, rule: str, status: str) -> None:
    audit = full_audit()
    change(audit)
    old_rule = "governance.sen-information-report" if rule.startswith("governance.") else rule
    report = scored(catalog, OLD, copy.deepcopy(audit))
    assert result(report, old_rule)["status"] == "not_met"
    assert old_rule in report["capped_by"]
    assert report["band"] == "emerging"


def test_the_13_month_old_report_is_statutory_guidance_and_publication_stays_statutory(catalog: Catalog) -> None:
    audit = full_audit()
    report_13_months_old(audit)
    report = scored(catalog, NEW, audit)
    assert result(report, "governance.sen-information-report-updated")["basis"] == "statutory_guidance"
    assert result(report, "governance.sen-information-report")["status"] == "met"
    audit["governance"]["sen_information_report_published"] = False
    report = scored(catalog, NEW, audit)
    assert report["capped_by"] == ["governance.sen-information-report"]
    assert result(report, "governance.sen-information-report-updated")["status"] == "not_applicable"
