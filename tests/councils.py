"""A council's own standards for tests: a copy of the real standards folder in which the worked council overlay
(``somerset-example@2026.1``) is given extra rules and questions, and the statement question and rule that the
statement tests share."""

from __future__ import annotations

import shutil
from pathlib import Path

STANDARDS = Path(__file__).resolve().parents[1] / "standards"
OVERLAY = "somerset-example@2026.1"
OVERLAY_FILE = "somerset-example/2026.1.yaml"

STATEMENT_QUESTIONS = """
sections:
  - {id: classroom, title: Classroom practice}
questions:
  - id: classroom.visual_timetables
    section: classroom
    kind: statement
    label: Every classroom shows a visual timetable that pupils use
    allow_not_applicable: true
"""
STATEMENT_RULE_ID = "published.visual-timetables"
NO_EVIDENCE = "Say where the evidence sits (a learning walk, photographs of classrooms)."
STATEMENT_RULE = f"""  - id: {STATEMENT_RULE_ID}
    title: Every classroom shows a visual timetable that pupils use
    domain: published
    basis: guidance
    weight: 2
    check: {{kind: statement, field: classroom.visual_timetables, evidence_required: true}}
    gap:
      partially_met: Put a visual timetable in the classrooms that have none, and check pupils use it.
      not_met: Put a visual timetable in every classroom, and check pupils use it.
      no_evidence: {NO_EVIDENCE}
    message: {{missing: No visual timetables., why: They help pupils predict the day., how: Use them everywhere.}}
    sources: [{{source: cop-2015, ref: paragraph 6.37, verify: true}}]
    review_by: 2027-08-31
"""


def council_standards(folder: Path, *, rules: str = "", questions: str = "") -> Path:
    """A copy of the real standards under ``folder/standards`` whose council overlay has ``rules`` (YAML list items,
    placed first among its rules) and ``questions`` (its own ``sections:`` and ``questions:``) added; returns the
    copy's root."""
    root = folder / "standards"
    shutil.copytree(STANDARDS, root)
    path = root / OVERLAY_FILE
    text = path.read_text(encoding="utf-8").replace("\nrules:\n", "\nrules:\n" + rules.lstrip("\n"), 1)
    path.write_text(text.rstrip() + "\n" + questions, encoding="utf-8")
    return root
