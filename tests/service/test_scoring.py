"""Scoring validates each audit by the questions of the version it is scored against: the national questions'
limits, and an overlay's own questions (here a practice statement) accepted only by that overlay."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from api.errors import AuditInvalid, StandardsNotFound
from api.rules.catalog import load_catalog
from api.service.scoring import ScoringService
from tests.conftest import example_audit, minimal_audit

ROOT = Path(__file__).resolve().parents[2] / "standards"
QUESTIONS = """
sections:
  - {id: classroom, title: Classroom practice}
questions:
  - id: classroom.visual_timetables
    section: classroom
    kind: statement
    label: Every classroom shows a visual timetable that pupils use
"""
RULE = """  - id: published.visual-timetables
    title: Every classroom shows a visual timetable that pupils use
    domain: published
    basis: guidance
    weight: 2
    check: {kind: statement, field: classroom.visual_timetables, evidence_required: true}
    gap:
      partially_met: Put a visual timetable in the classrooms that have none.
      not_met: Put a visual timetable in every classroom.
      no_evidence: Say where the evidence sits.
    message: {missing: No visual timetables., why: They help pupils predict the day., how: Use them everywhere.}
    sources: [{source: cop-2015, ref: paragraph 6.37, verify: true}]
    review_by: 2027-08-31
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> ScoringService:
    root = tmp_path_factory.mktemp("standards") / "standards"
    shutil.copytree(ROOT, root)
    path = root / "somerset-example" / "2026.1.yaml"
    text = path.read_text(encoding="utf-8").replace("\nrules:\n", "\nrules:\n" + RULE, 1)
    path.write_text(text.rstrip() + "\n" + QUESTIONS, encoding="utf-8")
    return ScoringService(load_catalog(root))


def problems(service: ScoringService, data: Any, ref: str | None = None) -> list[tuple[str, str]]:
    with pytest.raises(AuditInvalid) as raised:
        service.validate_and_score(data, ref)
    return [(problem.field, problem.message) for problem in raised.value.problems]


def test_an_overlay_s_statement_is_answered_and_scored(service: ScoringService) -> None:
    audit = minimal_audit(classroom={"visual_timetables": {"rating": "in_place", "evidence": "Learning walk"}})
    report = service.validate_and_score(audit, "somerset-example@2026.1").to_dict()
    result = next(r for r in report["results"] if r["rule"] == "published.visual-timetables")
    assert (result["status"], result["measured"]["value"]) == ("met", "in_place")
    without = minimal_audit(classroom={"visual_timetables": {"rating": "in_place"}})
    report = service.validate_and_score(without, "somerset-example@2026.1").to_dict()
    result = next(r for r in report["results"] if r["rule"] == "published.visual-timetables")
    assert result["status"] == "partially_met"
    gap = result["gap"]
    assert gap is not None
    assert gap["text"] == "Say where the evidence sits."


def test_a_version_that_does_not_ask_a_question_refuses_its_answer(service: ScoringService) -> None:
    audit = minimal_audit(classroom={"visual_timetables": {"rating": "in_place"}})
    assert problems(service, audit, "national@2026.1") == [
        ("classroom", "is not a field of the self-audit; check the spelling against the audit fields")
    ]
    assert problems(service, audit) == problems(service, audit, "national@2026.1")  # the version of its date


def test_the_questions_limits_are_the_version_s(service: ScoringService) -> None:
    audit = example_audit()
    audit["pupils"]["on_roll"] = 10**400
    assert problems(service, audit) == [("pupils.on_roll", "must be 10000 or less")]
    audit["pupils"]["on_roll"] = 10_000
    audit["pupils"]["sen_support"] = 50
    audit["pupils"]["ehcp"] = 10
    assert service.validate_and_score(audit).to_dict()["school"]["urn"] == audit["school"]["urn"]


def test_when_the_version_cannot_be_told_the_contract_s_problems_come_first(service: ScoringService) -> None:
    assert problems(service, {"audit_date": "soon", "school": {"urn": "100000"}}) == [
        ("audit_date", "must be a date written YYYY-MM-DD")
    ]
    with pytest.raises(StandardsNotFound):
        service.validate_and_score(minimal_audit(), "national@2099.1")
    assert problems(service, minimal_audit(pupils={"on_roll": -1}), "national@2099.1") == [
        ("pupils.on_roll", "must be 0 or more")
    ]
