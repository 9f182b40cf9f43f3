"""The audit body a standards version accepts, as a JSON Schema (draft 2020-12) made from its questions, for
clients that validate before they send (``GET /v1/standards/{set}/{version}/audit-schema``).

Each section is an object of its questions; absent means not answered, so nothing but ``audit_date`` and
``school.urn`` is required, and null is allowed only for a date with a "there is none" answer. Unknown sections
and fields are refused, as the service refuses them.
"""

from __future__ import annotations

from typing import Any

from api.contract.questions import Question, QuestionSet

DIALECT = "https://json-schema.org/draft/2020-12/schema"
RATINGS = ("in_place", "partly_in_place", "not_in_place", "not_applicable")
EVIDENCE_MAX = 500


def _answer(question: Question) -> dict[str, Any]:
    """The JSON Schema of one question's answer."""
    schema: dict[str, Any]
    match question.kind:
        case "flag":
            schema = {"type": "boolean"}
        case "whole_number" | "number" | "percent":
            low, high = question.limits
            schema = {"type": "integer" if question.kind == "whole_number" else "number", "minimum": low}
            schema["maximum"] = high
        case "date":
            schema = {"type": ["string", "null"] if question.nullable else "string", "format": "date"}
        case "choice":
            schema = {"enum": [choice.id for choice in question.choices]}
        case "statement":
            ratings = [r for r in RATINGS if r != "not_applicable" or question.allow_not_applicable]
            schema = {
                "type": "object",
                "properties": {
                    "rating": {"enum": ratings},
                    "evidence": {"type": "string", "maxLength": EVIDENCE_MAX},
                },
                "required": ["rating"],
                "additionalProperties": False,
            }
        case "text":
            schema = {"type": "string", "maxLength": question.max_length or 200}
    schema["title"] = question.label
    if question.hint:
        schema["description"] = question.hint
    return schema


def audit_json_schema(questions: QuestionSet, *, title: str) -> dict[str, Any]:
    """The JSON Schema (2020-12) of an audit answering ``questions``: ``audit_date`` and ``school.urn`` required,
    every other answer optional, unknown keys refused; ``title`` names the version."""
    sections: dict[str, dict[str, Any]] = {
        section.id: {"type": "object", "title": section.title, "properties": {}, "additionalProperties": False}
        for section in questions.sections
    }
    school = sections.setdefault(
        "school", {"type": "object", "title": "School", "properties": {}, "additionalProperties": False}
    )
    school["properties"]["urn"] = {"type": "string", "pattern": "^[0-9]{6}$", "title": "Unique reference number"}
    school["required"] = ["urn"]
    for question in questions.questions:
        name = question.id.split(".", 1)[1]
        sections[question.section]["properties"][name] = _answer(question)
    return {
        "$schema": DIALECT,
        "title": title,
        "type": "object",
        "properties": {
            "audit_date": {"type": "string", "format": "date", "title": "The date the figures describe"},
            **sections,
        },
        "required": ["audit_date", "school"],
        "additionalProperties": False,
    }
