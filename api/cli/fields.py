"""``oap fields``: the self-audit's fields as text, JSON or a CSV template header, from a standards version's
questions: those of ``--standards SET@VERSION``, else those of the national version in effect today (the newest
national version when none is in effect yet).

Each field is its dotted path, the question's label, kind, unit, limits and choices, and whether null means
"there is none" (with the form's words for it). A statement question is answered in CSV by two columns,
``<id>.rating`` and ``<id>.evidence``; the CSV header lists both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from api.cli.common import Commands, catalog_of
from api.contract.files import STATEMENT_PARTS, csv_columns, in_form_order
from api.contract.question_model import ALL_RATINGS, EVIDENCE_MAX, RATINGS
from api.contract.questions import ENVELOPE, Question, QuestionSet, field_specs
from api.rules.catalog import Standards
from api.service.scoring import current_version


def _number(value: float) -> str:
    """A limit as people write it: 10000, 0.5, 50 (not 50.0)."""
    return f"{value:g}"


def _ratings(question: Question) -> tuple[str, ...]:
    return ALL_RATINGS if question.allow_not_applicable else RATINGS


def describe(question: Question) -> str:
    """The kind of a question's answer in a few words: its kind, unit and limits, its choices, its longest text,
    whether null means "there is none" (and the form's words for it), a statement's ratings and CSV columns."""
    low, high = question.limits
    match question.kind:
        case "whole_number" | "number" | "percent":
            unit = " %" if question.kind == "percent" else f" {question.unit}" if question.unit else ""
            return f"{question.kind}, {_number(low)} to {_number(high)}{unit}"
        case "choice":
            return f"choice ({' | '.join(choice.id for choice in question.choices)})"
        case "date":
            none = f', or null for none ("{question.none_label}")' if question.none_label else ""
            return f"date (YYYY-MM-DD){none}"
        case "text":
            return f"text, at most {question.max_length or 200} characters"
        case "statement":
            columns = " and ".join(f"{question.id}.{part}" for part in STATEMENT_PARTS)
            return (
                f"statement: rating ({' | '.join(_ratings(question))}) and evidence (at most {EVIDENCE_MAX} "
                f"characters); CSV columns {columns}"
            )
        case _:
            return question.kind


_ENVELOPE_KINDS = {"audit_date": "date (YYYY-MM-DD), required", "school.urn": "text (6 digits), required"}


def _row(question: Question) -> dict[str, Any]:
    """One question as a JSON-ready row."""
    low, high = question.limits
    numeric = question.kind in ("whole_number", "number", "percent")
    statement = question.kind == "statement"
    longest = EVIDENCE_MAX if statement else (question.max_length or 200) if question.kind == "text" else None
    return {
        "field": question.id,
        "kind": question.kind,
        "label": question.label,
        "hint": question.hint,
        "unit": question.unit,
        "min": low if numeric else None,
        "max": high if numeric else None,
        "choices": list(_ratings(question)) if statement else [choice.id for choice in question.choices],
        "null_means_none": question.nullable,
        "none_label": question.none_label,
        "max_length": longest,
        "columns": [f"{question.id}.{part}" for part in STATEMENT_PARTS] if statement else [question.id],
    }


def rows(questions: QuestionSet) -> list[dict[str, Any]]:
    """Every field of an audit answering ``questions`` as a JSON-ready row (field, kind, label, hint, unit, min,
    max, choices, null_means_none, none_label, max_length, and its CSV columns): the envelope (``audit_date``,
    ``school.urn``) first, then the questions in the order of the form."""
    specs = field_specs(questions)
    envelope = [
        {
            "field": path,
            "kind": specs[path].kind.value,
            "label": specs[path].description,
            **dict.fromkeys(("hint", "unit", "min", "max")),
            "choices": [],
            "null_means_none": False,
            "none_label": None,
            "max_length": None,
            "columns": [path],
        }
        for path in ENVELOPE
    ]
    return envelope + [_row(question) for question in in_form_order(questions)]


def _version(args: argparse.Namespace) -> Standards:
    catalog = catalog_of(args)
    return catalog.get(args.standards) if args.standards else current_version(catalog, dt.date.today())


def cmd_fields(args: argparse.Namespace) -> int:
    """Print every audit field of the chosen version's questions in ``--format``; returns 0. Raises
    StandardsNotFound for an unknown ``--standards`` (or no national version), StandardsError for broken files."""
    questions = _version(args).questions
    if args.format == "json":
        print(json.dumps(rows(questions), indent=2, ensure_ascii=False))
    elif args.format == "csv-header":
        print(",".join(csv_columns(questions)))
    else:
        by_id = questions.by_id()
        for row in rows(questions):
            question = by_id.get(row["field"])
            kind = describe(question) if question is not None else _ENVELOPE_KINDS[row["field"]]
            print(f"{row['field']:<44} {kind}\n{'':<44} {row['label']}")
    return 0


def add_commands(commands: Commands) -> None:
    """Add ``oap fields`` to the ``oap`` parser."""
    fields = commands.add_parser(
        "fields",
        help="the self-audit's fields: dotted path, question, kind and limits",
        description="The fields of a standards version's questions (default: the national version in effect today).",
    )
    fields.add_argument(
        "--format",
        choices=("text", "json", "csv-header"),
        default="text",
        help="csv-header prints a CSV template header (a statement question has two columns: .rating, .evidence)",
    )
    fields.add_argument(
        "--standards",
        metavar="SET@VERSION",
        help="the fields of this version's questions (default: the national version in effect today)",
    )
    fields.set_defaults(handler=cmd_fields)
