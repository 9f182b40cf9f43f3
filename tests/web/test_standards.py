"""The questions and the audit JSON Schema of a version over the API: public, in the order of the form, and the
same as the version's question file."""

from __future__ import annotations

import jsonschema_rs
from fastapi.testclient import TestClient

from api.rules.catalog import Catalog
from tests.conftest import example_audit


def test_questions_come_by_section_in_the_order_of_the_file(client: TestClient, catalog: Catalog) -> None:
    response = client.get("/v1/standards/national/2026.1/questions")
    assert response.status_code == 200, response.text
    body = response.json()
    standards = catalog.get("national@2026.1")
    assert body["standards"] == "national@2026.1"
    assert body["questions_file"] == standards.questions_file
    assert [section["id"] for section in body["sections"]] == [s.id for s in standards.questions.sections]
    served = [question["id"] for section in body["sections"] for question in section["questions"]]
    assert served == [question.id for question in standards.questions.questions]
    on_roll = next(q for s in body["sections"] for q in s["questions"] if q["id"] == "pupils.on_roll")
    assert (on_roll["kind"], on_roll["unit"], on_roll["min"], on_roll["max"]) == ("whole_number", "pupils", 0, 10000)


def test_an_overlay_asks_the_questions_of_the_set_it_extends(client: TestClient) -> None:
    overlay = client.get("/v1/standards/somerset-example/2026.1/questions").json()
    national = client.get("/v1/standards/national/2026.1/questions").json()
    assert overlay["sections"][: len(national["sections"])] == national["sections"]
    assert [section["id"] for section in overlay["sections"][len(national["sections"]) :]] == ["practice"]


def test_the_audit_schema_accepts_the_example_audit(client: TestClient) -> None:
    response = client.get("/v1/standards/national/2026.1/audit-schema")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/schema+json"
    schema = response.json()
    assert schema["title"] == "A self-audit for national@2026.1"
    validator = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    assert validator.is_valid(example_audit())
    assert not validator.is_valid(example_audit(pupils={"on_roll": "many"}))


def test_an_unknown_version_is_404_naming_the_known(client: TestClient) -> None:
    for path in ("/v1/standards/national/1999.1/questions", "/v1/standards/national/1999.1/audit-schema"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert "national@2026.1" in response.json()["detail"]


def test_the_errata_of_a_version_are_served_as_its_catalogue_has_them(client: TestClient, catalog: Catalog) -> None:
    response = client.get("/v1/standards/national/2026.1/errata")
    assert response.status_code == 200, response.text
    body = response.json()
    standards = catalog.get("national@2026.1")
    assert body["standards"] == "national@2026.1"
    assert [(e["rule"], e["severity"], e["problem"]) for e in body["errata"]] == [
        (e.rule, e.severity.value, e.problem) for e in standards.errata
    ]
    first = body["errata"][0]
    assert first["title"] == standards.rule(first["rule"]).title  # type: ignore[union-attr]
    known = standards.errata[0]
    assert first["recorded_for"] == "national@2026.1"
    assert (first["status"], first["corrected_by"], first["file"]) == (known.status, known.corrected_by, known.file)
    assert first["published_on"] == (known.published_on.isoformat() if known.published_on else None)
    assert first["file"] == "national/errata/2026-12.yaml"
    assert first["severity_words"].endswith(".")


def test_an_overlay_serves_its_own_errata_and_those_it_inherits(client: TestClient) -> None:
    body = client.get("/v1/standards/somerset-example/2026.1/errata").json()
    recorded = {e["recorded_for"] for e in body["errata"]}
    assert recorded == {"somerset-example@2026.1", "national@2026.1"}
    assert body["errata"][0]["rule"] == "published.local-offer-link"


def test_the_errata_of_an_unknown_version_are_404(client: TestClient) -> None:
    response = client.get("/v1/standards/national/1999.1/errata")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
