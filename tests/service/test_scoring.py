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


# --- a stored audit is validated by the questions it answered, and scored by another version on the answers both ask


def test_a_national_audit_rescored_under_the_overlay_leaves_the_overlay_s_question_not_assessed(
    service: ScoringService,
) -> None:
    stored = service.validate(example_audit(), "national@2026.1")[0].nested()
    again = service.validate_stored(stored, "national", "2026.1")
    report = service.score_stored(again, service.catalog.get(OVERLAY)).to_dict()
    result = next(r for r in report["results"] if r["rule"] == STATEMENT_RULE_ID)
    assert result["status"] == "not_assessed"
    assert result["missing_inputs"] == ["classroom.visual_timetables"]
    national = service.score_stored(again, service.catalog.get("national@2026.1")).to_dict()
    shared = {r["rule"]: r for r in national["results"]}
    assert all(r == shared[r["rule"]] for r in report["results"] if r["rule"] in shared and not r["overlay_note"])


def test_an_overlay_audit_is_validated_by_its_own_questions_and_scored_nationally_without_them(
    service: ScoringService,
) -> None:
    audit = example_audit()
    audit["classroom"] = {"visual_timetables": {"rating": "not_in_place"}}
    stored = service.validate(audit, OVERLAY)[0].nested()
    with pytest.raises(AuditInvalid):  # the national questions do not ask it…
        service.validate_stored(stored, "national", "2026.1")
    again = service.validate_stored(stored, "somerset-example", "2026.1")  # …the questions it answered do
    assert again.values["classroom.visual_timetables"] == {"rating": "not_in_place"}
    national = service.score_stored(again, service.catalog.get("national@2026.1")).to_dict()
    direct = service.validate_and_score(example_audit(), "national@2026.1").to_dict()
    assert national == direct


def test_an_answer_of_another_kind_under_the_other_version_is_not_read(service: ScoringService) -> None:
    audit = service.validate(example_audit(), "national@2026.1")[0]
    changed = dict(audit.values) | {"pupils.on_roll": {"rating": "in_place"}}  # as if the question changed kind
    report = service.score_stored(type(audit)(changed), service.catalog.get("national@2026.1")).to_dict()
    assert "pupils.on_roll" in report["missing_inputs"]


def test_a_stored_audit_whose_version_is_gone_is_a_clear_error(service: ScoringService) -> None:
    with pytest.raises(StandardsNotFound, match=r"national@2024\.9"):
        service.validate_stored(example_audit(), "national", "2024.9")
