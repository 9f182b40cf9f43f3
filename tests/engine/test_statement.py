"""The statement check: a practice statement rated by the school, with where its evidence sits. Every branch, through
a council overlay that asks a statement question of its own and a rule that requires evidence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from api.contract.validation import ValidAudit
from api.engine.scoring import Scorer
from api.errors import StandardsError
from api.rules.catalog import Catalog, load_catalog
from tests.councils import (
    OVERLAY,
    OVERLAY_FILE,
    STATEMENT_QUESTIONS,
    STATEMENT_RULE,
    STATEMENT_RULE_ID,
    council_standards,
)


def council(tmp_path: Path, rule: str = STATEMENT_RULE) -> Catalog:
    return load_catalog(council_standards(tmp_path, rules=rule, questions=STATEMENT_QUESTIONS))


def finding(catalog: Catalog, answer: dict[str, Any] | None) -> Mapping[str, Any]:
    values: dict[str, Any] = {"audit_date": dt.date(2026, 11, 1), "school.urn": "100000"}
    if answer is not None:
        values["classroom.visual_timetables"] = answer
    report = Scorer(catalog.get(OVERLAY)).score(ValidAudit(values)).to_dict()
    return next(r for r in report["results"] if r["rule"] == STATEMENT_RULE_ID)


BRANCHES = [
    ({"rating": "in_place", "evidence": "Learning walk, October 2026"}, "met", None),
    ({"rating": "in_place"}, "partially_met", "Say where the evidence sits"),
    ({"rating": "in_place", "evidence": "   "}, "partially_met", "Say where the evidence sits"),
    ({"rating": "partly_in_place", "evidence": "Two of nine classrooms"}, "partially_met", "in the classrooms that"),
    ({"rating": "not_in_place"}, "not_met", "in every classroom"),
    ({"rating": "not_applicable"}, "not_applicable", None),
    (None, "not_assessed", None),
]


@pytest.mark.parametrize(("answer", "status", "gap_words"), BRANCHES)
def test_every_rating_has_its_finding(
    tmp_path: Path, answer: dict[str, Any] | None, status: str, gap_words: str | None
) -> None:
    result = finding(council(tmp_path), answer)
    assert result["status"] == status
    if gap_words is None:
        assert result["gap"] is None
    else:
        assert gap_words in result["gap"]["text"]
    if answer is None:
        assert result["missing_inputs"] == ["classroom.visual_timetables"]
    else:
        assert result["measured"]["value"] == answer["rating"]


def test_without_evidence_required_a_statement_in_place_is_met(tmp_path: Path) -> None:
    rule = STATEMENT_RULE.replace(", evidence_required: true", "").replace(
        "      no_evidence: Say where the evidence sits (a learning walk, photographs of classrooms).\n", ""
    )
    assert finding(council(tmp_path, rule), {"rating": "in_place"})["status"] == "met"


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (
            "      no_evidence: Say where the evidence sits (a learning walk, photographs of classrooms).\n",
            "",
            "needs gap.no_evidence",
        ),
        (", evidence_required: true", "", "gap.no_evidence is only for statement checks"),
        (
            "field: classroom.visual_timetables",
            "field: published.local_offer_link",
            "is a flag, this check needs a statement",
        ),
    ],
    ids=["no-evidence-words", "evidence-words-unused", "not-a-statement-question"],
)
def test_a_malformed_statement_rule_is_refused(tmp_path: Path, old: str, new: str, words: str) -> None:
    assert old in STATEMENT_RULE
    with pytest.raises(StandardsError) as raised:
        council(tmp_path, STATEMENT_RULE.replace(old, new))
    matching = [p for p in raised.value.problems if words in p.message]
    assert matching, [str(p) for p in raised.value.problems]
    assert (matching[0].file, matching[0].rule) == (OVERLAY_FILE, STATEMENT_RULE_ID)
