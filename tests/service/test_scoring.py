"""Scoring validates each audit by the questions of the version it is scored against: the national questions'
limits, and an overlay's own questions (here a practice statement) accepted only by that overlay."""

from __future__ import annotations

from typing import Any

import pytest

from api.errors import AuditInvalid, StandardsNotFound
from api.rules.catalog import load_catalog
from api.service.scoring import ScoringService
from tests.conftest import example_audit, minimal_audit
from tests.councils import (
    NO_EVIDENCE,
    OVERLAY,
    STATEMENT_QUESTIONS,
    STATEMENT_RULE,
    STATEMENT_RULE_ID,
    council_standards,
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> ScoringService:
    folder = tmp_path_factory.mktemp("council")
    return ScoringService(load_catalog(council_standards(folder, rules=STATEMENT_RULE, questions=STATEMENT_QUESTIONS)))


def problems(service: ScoringService, data: Any, ref: str | None = None) -> list[tuple[str, str]]:
    with pytest.raises(AuditInvalid) as raised:
        service.validate_and_score(data, ref)
    return [(problem.field, problem.message) for problem in raised.value.problems]


def test_an_overlay_s_statement_is_answered_and_scored(service: ScoringService) -> None:
    audit = minimal_audit(classroom={"visual_timetables": {"rating": "in_place", "evidence": "Learning walk"}})
    report = service.validate_and_score(audit, OVERLAY).to_dict()
    result = next(r for r in report["results"] if r["rule"] == STATEMENT_RULE_ID)
    assert (result["status"], result["measured"]["value"]) == ("met", "in_place")
    without = minimal_audit(classroom={"visual_timetables": {"rating": "in_place"}})
    report = service.validate_and_score(without, OVERLAY).to_dict()
    result = next(r for r in report["results"] if r["rule"] == STATEMENT_RULE_ID)
    assert result["status"] == "partially_met"
    gap = result["gap"]
    assert gap is not None
    assert gap["text"] == NO_EVIDENCE


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
