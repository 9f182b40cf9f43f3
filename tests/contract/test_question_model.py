"""The audit model built from a version's questions. For the published national questions it decides as the static
audit model of those versions did: the same audits accepted with the same answers, the same refused with the same
problems (recorded from that model here), and besides, answers above the questions' finite maxima refused.
Statement answers are checked too."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from api.contract.messages import problems_from
from api.contract.question_model import audit_model
from api.contract.questions import QuestionSet
from api.rules.catalog import Catalog
from api.service.demo import generate_audits
from tests.conftest import example_audit, minimal_audit

CASES = Path(__file__).resolve().parents[1] / "cases"
NOT_A_FIELD = "is not a field of the self-audit; check the spelling against the audit fields"
NOT_NULL = "cannot be null here; leave the field out if it was not answered"


@pytest.fixture(scope="module")
def national(catalog: Catalog) -> type[BaseModel]:
    return audit_model(catalog.get("national@2026.1").questions)


def decision(model: type[BaseModel], data: Any) -> tuple[str, Any]:
    """('ok', the answers as JSON) or ('refused', the problems by field), as validation would report them."""
    try:
        return "ok", model.model_validate(data).model_dump(mode="json", exclude_unset=True)
    except ValidationError as error:
        return "refused", sorted((p.field, p.message) for p in problems_from(error))


SERVED = {"national@2025.1", "national@2026.1"}
"""The versions the static audit model served. Cases written only for others (an overlay's own questions, a later
version's new ones) may answer questions it never had."""


def accepted() -> list[Any]:
    """Audits the static model accepted: the example, 200 demo audits, every case audit of the versions it served, and
    a plan that is none."""
    audits: list[Any] = [example_audit(), *generate_audits(200)]
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        for case in data["cases"]:
            if SERVED & set(case.get("standards", data["standards"])):
                audits.append(minimal_audit(**case["audit"]))
    audit = copy.deepcopy(example_audit())
    audit["governance"]["accessibility_plan_reviewed_on"] = None
    return [*audits, audit]


def as_json(audit: Any) -> Any:
    """An audit as JSON would carry it (the cases' YAML dates as ISO text)."""
    return json.loads(json.dumps(audit, default=str))


def test_the_audits_the_contract_accepted_are_accepted_with_their_answers(national: type[BaseModel]) -> None:
    audits = accepted()
    assert len(audits) > 400
    refused = [(audit, outcome) for audit in audits if (outcome := decision(national, audit)) != ("ok", as_json(audit))]
    assert refused == []


def test_a_whole_number_urn_is_read_as_its_text(national: type[BaseModel]) -> None:
    audit = example_audit()
    audit["school"]["urn"] = int(audit["school"]["urn"])
    assert decision(national, audit) == ("ok", example_audit())


# (section, name or None for the whole section, the value, the problems the static model listed)
REFUSED: list[tuple[str, str | None, Any, list[tuple[str, str]]]] = [
    ("pupils", "on_roll", "300", [("pupils.on_roll", "must be a whole number")]),
    ("pupils", "on_roll", 300.5, [("pupils.on_roll", "must be a whole number")]),
    ("pupils", "on_roll", True, [("pupils.on_roll", "must be a whole number")]),
    ("pupils", "ehcp", -1, [("pupils.ehcp", "must be 0 or more")]),
    ("senco", "protected_fte", float("nan"), [("senco.protected_fte", "must be a finite number")]),
    ("senco", "protected_fte", -0.5, [("senco.protected_fte", "must be 0.0 or more")]),
    ("senco", "appointed_on", None, [("senco.appointed_on", NOT_NULL)]),
    (
        "senco",
        "appointed_on",
        "2026-02-30",
        [("senco.appointed_on", "'2026-02-30' is not a real date (write it YYYY-MM-DD)")],
    ),
    ("senco", "appointed_on", "2026-02-03T10:00:00", [("senco.appointed_on", "must be a date written YYYY-MM-DD")]),
    ("senco", "qualification", "phd", [("senco.qualification", "must be one of: npq_senco, nasenco or none")]),
    ("senco", "favourite_colour", "blue", [("senco.favourite_colour", NOT_A_FIELD)]),
    ("outcomes", "attendance_send_pct", 100.5, [("outcomes.attendance_send_pct", "must be 100.0 or less")]),
    ("training", "areas_of_need_covered", 5, [("training.areas_of_need_covered", "must be 4 or less")]),
    ("school", "name", "Bad\x00name", [("school.name", "must be plain text, without control characters")]),
    ("school", "name", "x" * 201, [("school.name", "is too long")]),
    (
        "school",
        "urn",
        "12345",
        [("school.urn", "must be the school's 6-digit unique reference number (URN), for example 112515")],
    ),
    ("school", "phase", None, [("school.phase", NOT_NULL)]),
    ("weather", None, {"sunny": True}, [("weather", NOT_A_FIELD)]),
    ("pupils", None, [1, 2], [("pupils", "must be an object of fields")]),
]


@pytest.mark.parametrize(("section", "name", "value", "problems"), REFUSED, ids=[f"{c[0]}.{c[1]}" for c in REFUSED])
def test_an_answer_the_contract_refused_is_refused_with_the_same_problems(
    national: type[BaseModel], section: str, name: str | None, value: Any, problems: list[tuple[str, str]]
) -> None:
    audit = copy.deepcopy(example_audit())
    if name is None:
        audit[section] = value
    else:
        audit.setdefault(section, {})[name] = value
    assert decision(national, audit) == ("refused", problems)


@pytest.mark.parametrize(
    ("data", "problems"),
    [
        ({}, [("audit_date", "is required"), ("school", "is required")]),
        ({"audit_date": "2026-11-01"}, [("school", "is required")]),
        ({"audit_date": "2026-11-01", "school": {}}, [("school.urn", "is required")]),
        ([1, 2], [("(audit)", "must be an object of fields")]),
    ],
)
def test_an_audit_without_its_envelope_is_refused(
    national: type[BaseModel], data: Any, problems: list[tuple[str, str]]
) -> None:
    assert decision(national, data) == ("refused", problems)


@pytest.mark.parametrize(
    ("section", "name", "value", "message"),
    [
        ("pupils", "on_roll", 10_001, "must be 10000 or less"),
        ("senco", "protected_fte", 50.5, "must be 50.0 or less"),  # as the contract words a decimal limit
        ("staffing", "ta_liaison_minutes_per_week", 10_081, "must be 10080 or less"),
    ],
)
def test_answers_above_the_maxima_are_refused(
    national: type[BaseModel], section: str, name: str, value: Any, message: str
) -> None:
    audit = example_audit()
    audit[section][name] = value
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
