"""The audit JSON Schema made from a version's questions agrees with the service's own validation: every audit the
service accepts (the example, every rule case, realistic generated audits) passes it, and what the service refuses
for a type, a limit, a null, an unknown key or a missing URN fails it too."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml

from api.contract.json_schema import DIALECT, audit_json_schema
from api.contract.validation import validate_audit
from api.errors import AuditInvalid
from api.rules.catalog import Catalog
from api.service.demo import generate_audits
from tests.conftest import example_audit, minimal_audit, national_questions

CASES = Path(__file__).resolve().parents[1] / "cases"


@pytest.fixture(scope="module")
def validator(catalog: Catalog) -> jsonschema_rs.Draft202012Validator:
    schema = audit_json_schema(catalog.get("national@2026.1").questions, title="national@2026.1")
    assert schema["$schema"] == DIALECT
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


def case_audits() -> list[dict[str, Any]]:
    audits = []
    for path in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            audits.append(minimal_audit(**case["audit"]))
    return audits


def accepted_by_the_service(audit: dict[str, Any]) -> bool:
    try:
        validate_audit(audit, questions=national_questions())
    except AuditInvalid:
        return False
    return True


def test_every_audit_the_service_accepts_passes_the_schema(validator: jsonschema_rs.Draft202012Validator) -> None:
    audits = [example_audit(), *case_audits(), *generate_audits(300)]
    accepted = [audit for audit in audits if accepted_by_the_service(audit)]
    assert len(accepted) > 500
    failing = [(audit, list(validator.iter_errors(audit))[:1]) for audit in accepted if not validator.is_valid(audit)]
    assert failing == []


def changed(audit: dict[str, Any], section: str, name: str | None, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(audit)
    if name is None:
        out[section] = value
    else:
        out.setdefault(section, {})[name] = value
    return out


REFUSED = [
    ("a number as text", "pupils", "on_roll", "300"),
    ("a fraction for a whole number", "pupils", "on_roll", 300.5),
    ("a negative count", "pupils", "ehcp", -1),
    ("over the maximum", "training", "areas_of_need_covered", 5),
    ("a percent over 100", "outcomes", "attendance_send_pct", 100.5),
    ("null where there is no 'none'", "senco", "appointed_on", None),
    ("a date that is not a date", "governance", "accessibility_plan_reviewed_on", "2026-02-30"),
    ("an unknown choice", "school", "phase", "college"),
    ("an unknown field", "senco", "favourite_colour", "blue"),
    ("an unknown section", "weather", None, {"sunny": True}),
    ("a yes/no as a number", "senco", "designated", 1),
]


@pytest.mark.parametrize(("what", "section", "name", "value"), REFUSED, ids=[row[0] for row in REFUSED])
def test_what_the_service_refuses_fails_the_schema(
    validator: jsonschema_rs.Draft202012Validator, what: str, section: str, name: str | None, value: Any
) -> None:
    audit = changed(example_audit(), section, name, value)
    assert not accepted_by_the_service(audit), what
    assert not validator.is_valid(audit), what


def test_the_envelope_is_required(validator: jsonschema_rs.Draft202012Validator) -> None:
    assert validator.is_valid(minimal_audit())
    assert not validator.is_valid({"school": {"urn": "100000"}})
    assert not validator.is_valid({"audit_date": "2026-11-01", "school": {"name": "No URN"}})
    assert not validator.is_valid({"audit_date": "2026-11-01", "school": {"urn": "12345"}})


def test_null_means_none_only_where_the_question_has_a_none_answer(
    validator: jsonschema_rs.Draft202012Validator,
) -> None:
    assert validator.is_valid(minimal_audit(governance={"accessibility_plan_reviewed_on": None}))
    assert not validator.is_valid(minimal_audit(pupils={"on_roll": None}))
