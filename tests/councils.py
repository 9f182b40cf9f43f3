"""A council's own standards for tests: a copy of the real standards folder in which the worked council overlay
(``somerset-example@2026.1``) is given extra rules and questions (beside the questions it asks already), and the
statement question and rule that the statement tests share."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from api.errors import StandardsError
from api.rules.catalog import load_catalog

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


def _blocks(text: str) -> list[tuple[str, str]]:
    """The top-level keys of a YAML snippet, each with the text of its block (the key's own line left out)."""
    blocks: list[tuple[str, str]] = []
    for line in text.strip("\n").splitlines(keepends=True):
        if line[:1] not in (" ", "#", "\n") and line.rstrip().endswith(":"):
            blocks.append((line.rstrip()[:-1], ""))
        else:
            assert blocks, f"the snippet must start with a top-level key: {line!r}"
            blocks[-1] = (blocks[-1][0], blocks[-1][1] + line)
    return [(key, items if items.endswith("\n") else items + "\n") for key, items in blocks]


def copy_standards(folder: Path) -> Path:
    """A private copy of the real standards folder, at ``folder/standards``; returns its root."""
    root = folder / "standards"
    shutil.copytree(STANDARDS, root)
    return root


def problems_of(root: Path, *, verify_lock: bool = False) -> list[str]:
    """The problems of loading the standards under ``root``, as printed (fails the test if they load)."""
    with pytest.raises(StandardsError) as raised:
        load_catalog(root, verify_lock=verify_lock)
    return [str(problem) for problem in raised.value.problems]


def council_standards(folder: Path, *, rules: str = "", questions: str = "") -> Path:
    """A copy of the real standards under ``folder/standards`` whose council overlay has ``rules`` (YAML list items,
    placed first among its rules) and ``questions`` (its own ``sections:``, ``questions:`` and ``constraints:``, each a
    block list) added: the items of a key the overlay already has go first in its list, a key it lacks is added at the
    end. Returns the copy's root."""
    root = copy_standards(folder)
    path = root / OVERLAY_FILE
    text = path.read_text(encoding="utf-8").replace("\nrules:\n", "\nrules:\n" + rules.lstrip("\n"), 1)
    for key, items in _blocks(questions):
        heading = f"\n{key}:\n"
        text = text.replace(heading, heading + items, 1) if heading in text else text.rstrip() + heading + items
    path.write_text(text.rstrip() + "\n", encoding="utf-8")
    return root
