"""The audit model built from the published versions' questions decides exactly as the static audit model does:
the same audits accepted with the same values, the same refused with the same problems (except answers above
the questions' finite maxima, which only the question model refuses). Statement answers are checked too."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from api.contract.messages import problems_from
from api.contract.model import Audit
from api.contract.question_model import audit_model
from api.contract.questions import QuestionSet
from api.rules.catalog import Catalog
from api.service.demo import generate_audits
from tests.conftest import example_audit, minimal_audit

CASES = Path(__file__).resolve().parents[1] / "cases"


@pytest.fixture(scope="module")
def national(catalog: Catalog) -> type[BaseModel]:
    return audit_model(catalog.get("national@2026.1").questions)


def decision(model: type[BaseModel], data: Any) -> tuple[str, Any]:
    """('ok', the answers as JSON) or ('refused', the problems by field), as validation would report them."""
    try:
        return "ok", model.model_validate(data).model_dump(mode="json", exclude_unset=True)
    except ValidationError as error:
        return "refused", sorted((p.field, p.message) for p in problems_from(error))


def corpus() -> list[Any]:
    audits: list[Any] = [example_audit(), *generate_audits(200)]
    for path in sorted(CASES.glob("*.yaml")):
        audits += [minimal_audit(**case["audit"]) for case in yaml.safe_load(path.read_text())["cases"]]
    hostile: list[tuple[str, str | None, Any]] = [
        ("pupils", "on_roll", "300"),
        ("pupils", "on_roll", 300.5),
        ("pupils", "on_roll", True),
        ("pupils", "ehcp", -1),
        ("senco", "protected_fte", float("nan")),
        ("senco", "protected_fte", -0.5),
        ("senco", "appointed_on", None),
        ("senco", "appointed_on", "2026-02-30"),
        ("senco", "appointed_on", "2026-02-03T10:00:00"),
        ("senco", "qualification", "phd"),
        ("senco", "favourite_colour", "blue"),
        ("outcomes", "attendance_send_pct", 100.5),
        ("training", "areas_of_need_covered", 5),
        ("school", "name", "Bad\x00name"),
        ("school", "name", "x" * 201),
        ("school", "urn", "12345"),
        ("school", "urn", 112515),
        ("school", "phase", None),
        ("governance", "accessibility_plan_reviewed_on", None),
        ("weather", None, {"sunny": True}),
        ("pupils", None, [1, 2]),
    ]
    for section, name, value in hostile:
        audit = copy.deepcopy(example_audit())
        if name is None:
            audit[section] = value
        else:
            audit.setdefault(section, {})[name] = value
        audits.append(audit)
    audits += [{}, {"audit_date": "2026-11-01"}, {"audit_date": "2026-11-01", "school": {}}, [1, 2]]
    return audits


def test_the_question_model_decides_as_the_static_model(national: type[BaseModel]) -> None:
    audits = corpus()
    outcomes = [(decision(Audit, audit), decision(national, audit)) for audit in audits]
    assert sum(static[0] == "ok" for static, _ in outcomes) > 200
    assert sum(static[0] == "refused" for static, _ in outcomes) > 15
    different = [
        (audit, static, asked) for audit, (static, asked) in zip(audits, outcomes, strict=True) if static != asked
    ]
    assert different == []


@pytest.mark.parametrize(
    ("section", "name", "value", "message"),
    [
        ("pupils", "on_roll", 10_001, "must be 10000 or less"),
        ("senco", "protected_fte", 50.5, "must be 50.0 or less"),  # as the contract words a decimal limit
        ("staffing", "ta_liaison_minutes_per_week", 10_081, "must be 10080 or less"),
    ],
)
def test_only_the_question_model_refuses_answers_above_the_maxima(
    national: type[BaseModel], section: str, name: str, value: Any, message: str
) -> None:
    audit = example_audit()
    audit[section][name] = value
    assert decision(Audit, audit)[0] == "ok"
    assert decision(national, audit) == ("refused", [(f"{section}.{name}", message)])


STATEMENTS = QuestionSet.model_validate(
    {
        "sections": [{"id": "classroom", "title": "Classroom practice"}],
        "questions": [
            {"id": "classroom.visual_timetables", "section": "classroom", "kind": "statement", "label": "Timetables"},
            {
                "id": "classroom.pupil_voice",
                "section": "classroom",
                "kind": "statement",
                "label": "Pupil voice",
                "allow_not_applicable": True,
            },
        ],
    }
)


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ({"rating": "in_place", "evidence": "Learning walk, October"}, "ok"),
        ({"rating": "partly_in_place"}, "ok"),
        ({"rating": "not_applicable"}, "classroom.visual_timetables.rating: must be one of:"),
        ({"rating": "sometimes"}, "classroom.visual_timetables.rating: must be one of:"),
        ({"rating": "in_place", "evidence": "x" * 501}, "classroom.visual_timetables.evidence: is too long"),
        ({"rating": "in_place", "evidence": "a\x00b"}, "classroom.visual_timetables.evidence: must be plain text"),
        ({"rating": "in_place", "note": "?"}, "classroom.visual_timetables.note: is not a field"),
        ({"evidence": "no rating"}, "classroom.visual_timetables.rating: is required"),
        ("in_place", "classroom.visual_timetables: must be an object of fields"),
        (None, "classroom.visual_timetables: cannot be null here"),
    ],
)
def test_a_statement_answer_is_a_rating_with_evidence(answer: Any, outcome: str) -> None:
    model = audit_model(STATEMENTS)
    result = decision(model, minimal_audit(classroom={"visual_timetables": answer}))
    if outcome == "ok":
        assert result[0] == "ok"
        assert result[1]["classroom"]["visual_timetables"]["rating"] == answer["rating"]
    else:
        assert result[0] == "refused"
        assert any(f"{field}: {message}".startswith(outcome) for field, message in result[1]), result[1]


def test_not_applicable_only_where_the_question_allows_it() -> None:
    model = audit_model(STATEMENTS)
    allowed = decision(model, minimal_audit(classroom={"pupil_voice": {"rating": "not_applicable"}}))
    assert allowed[0] == "ok"
    assert audit_model(STATEMENTS) is model  # built once per question set
