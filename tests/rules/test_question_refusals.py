"""What an overlay's own questions make possible, refused with file, line and id: a rule reading a question nobody
asks (or one of the wrong kind), a broken question, a section or question id that clashes, and a constraint naming a
field that is not a question, a question of the wrong kind, or a placeholder it does not read; and a standards file
that declares its own questions without a completeness rule.

Each case mutates a well-formed council snippet (which loads, and whose constraints are enforced); the offending
line carries the comment ``# here``, so the expected line is found from the text, never written by hand. Refusals of
the statutory guardrails (an overlay switching off a statutory rule, or changing its check, basis or when) are in
test_loader.py; those of a question file in test_question_files.py.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from api.contract.validation import validate_audit
from api.errors import AuditInvalid, StandardsError, StandardsProblem
from api.rules.catalog import load_catalog
from tests.conftest import minimal_audit
from tests.councils import OVERLAY, OVERLAY_FILE, STANDARDS, council_standards

HERE = "# here"

QUESTIONS = """
sections:
  - {id: classroom, title: Classroom practice}
questions:
  - {id: classroom.visual_timetables, section: classroom, kind: statement, label: Every classroom has a timetable}
  - {id: classroom.nurture_group, section: classroom, kind: whole_number, label: In a nurture group, min: 0, max: 5000}
  - {id: classroom.plans_started_on, section: classroom, kind: date, label: When support plans were brought in}
  - {id: classroom.plans_reviewed_on, section: classroom, kind: date, label: When the support plans were last reviewed}
constraints:
  - kind: sum_at_most
    fields: [classroom.nurture_group]
    limit_field: pupils.on_roll
    message: cannot be more than the pupils on roll ({pupils.on_roll})
  - kind: not_before
    field: classroom.plans_reviewed_on
    earliest: classroom.plans_started_on
"""
RULE = """  - id: environment.timetables
    title: Every classroom has a visual timetable
    domain: environment
    basis: guidance
    weight: 1
    check: {kind: statement, field: classroom.visual_timetables}
    gap: {partially_met: Add timetables., not_met: Add timetables to every classroom.}
    message: {missing: No timetables., why: They help pupils predict the day., how: Put one in every classroom.}
    sources: [{source: cop-2015, ref: paragraph 6.37, verify: true}]
    review_by: 2027-08-31
"""
SUM = "  - kind: sum_at_most\n"


@dataclass(frozen=True)
class Refused:
    """One mutation of the snippet (or of the rule), and the problem it must cause."""

    id: str
    old: str
    new: str
    subject: str | None
    words: str
    in_rule: bool = False


REFUSALS = [
    Refused(
        "rule-reads-a-question-nobody-asks",
        "    check: {kind: statement, field: classroom.visual_timetables}\n",
        f"    check: {{kind: statement, field: classroom.not_asked}}  {HERE}\n",
        "environment.timetables",
        "reads unknown audit field 'classroom.not_asked'",
        in_rule=True,
    ),
    Refused(
        "rule-reads-a-question-of-the-wrong-kind",
        "    check: {kind: statement, field: classroom.visual_timetables}\n",
        f"    check: {{kind: statement, field: classroom.nurture_group}}  {HERE}\n",
        "environment.timetables",
        "'classroom.nurture_group' is a whole_number, this check needs a statement",
        in_rule=True,
    ),
    Refused(
        "number-without-max",
        "min: 0, max: 5000}\n",
        f"min: 0}}  {HERE}\n",
        "classroom.nurture_group",
        "a whole_number question needs both min and max",
    ),
    Refused(
        "number-with-an-infinite-max",
        "max: 5000}\n",
        f"max: .inf}}  {HERE}\n",
        "classroom.nurture_group",
        "max: Input should be a finite number",
    ),
    Refused(
        "key-of-another-kind",
        "label: Every classroom has a timetable}\n",
        f"label: Every classroom has a timetable, max_length: 20}}  {HERE}\n",
        "classroom.visual_timetables",
        "'max_length' does not belong to a statement question",
    ),
    Refused(
        "section-of-the-base",
        "  - {id: classroom, title: Classroom practice}\n",
        f"  - {{id: senco, title: Classroom practice}}  {HERE}\n",
        None,
        "section 'senco' belongs to the set this extends",
    ),
    Refused(
        "section-of-the-overlay-itself",
        "  - {id: classroom, title: Classroom practice}\n",
        f"  - {{id: classroom, title: Classroom practice}}\n  - {{id: classroom, title: Again}}  {HERE}\n",
        None,
        "section 'classroom' is declared twice",
    ),
    Refused(
        "question-of-the-base",
        "  - {id: classroom.visual_timetables, section: classroom,",
        f"  - {{id: senco.on_slt, section: senco, kind: flag, label: On the team}}  {HERE}\n"
        "  - {id: classroom.visual_timetables, section: classroom,",
        "senco.on_slt",
        "is a question of the set this extends",
    ),
    Refused(
        "question-in-a-section-of-the-base",
        "  - {id: classroom.visual_timetables, section: classroom,",
        f"  - {{id: senco.timetables, section: senco, kind: flag, label: Timetables}}  {HERE}\n"
        "  - {id: classroom.visual_timetables, section: classroom,",
        "senco.timetables",
        "go in sections it declares itself, not 'senco'",
    ),
    Refused(
        "duplicate-question-id",
        "  - {id: classroom.plans_reviewed_on,",
        f"  - {{id: classroom.nurture_group, section: classroom, kind: flag, label: Again}}  {HERE}\n"
        "  - {id: classroom.plans_reviewed_on,",
        "classroom.nurture_group",
        "duplicate question id",
    ),
    Refused(
        "constraint-field-is-not-a-question",
        SUM + "    fields: [classroom.nurture_group]\n",
        f"  - kind: sum_at_most  {HERE}\n    fields: [classroom.in_nurture]\n",
        "classroom.in_nurture",
        "sum_at_most.fields: is not a question",
    ),
    Refused(
        "constraint-limit-of-the-wrong-kind",
        SUM + "    fields: [classroom.nurture_group]\n    limit_field: pupils.on_roll\n",
        f"  - kind: sum_at_most  {HERE}\n    fields: [classroom.nurture_group]\n"
        "    limit_field: classroom.visual_timetables\n",
        "classroom.visual_timetables",
        "sum_at_most.limit_field: is a statement question; this needs whole_number or number or percent",
    ),
    Refused(
        "dated-constraint-on-a-number",
        "  - kind: not_before\n",
        f"  - kind: not_after_audit_date  {HERE}\n    fields: [classroom.nurture_group]\n  - kind: not_before\n",
        "classroom.nurture_group",
        "not_after_audit_date.fields: is a whole_number question; this needs date",
    ),
    Refused(
        "not-before-on-a-number",
        "  - kind: not_before\n    field: classroom.plans_reviewed_on\n",
        f"  - kind: not_before  {HERE}\n    field: classroom.nurture_group\n",
        "classroom.nurture_group",
        "not_before.field: is a whole_number question; this needs date",
    ),
    Refused(
        "placeholder-the-constraint-does-not-read",
        SUM,
        f"  - kind: sum_at_most  {HERE}\n",
        "pupils.ehcp",
        "sum_at_most.message: {pupils.ehcp} is not a field this constraint reads",
    ),
    Refused(
        "brace-that-is-not-a-placeholder",
        SUM,
        f"  - kind: sum_at_most  {HERE}\n",
        None,
        "only {section.name} placeholders may use braces",
    ),
]
# The two message cases change the message too (below), so that only the marked constraint is broken.
MESSAGES = {
    "placeholder-the-constraint-does-not-read": "cannot be more than the pupils on roll ({pupils.ehcp})",
    "brace-that-is-not-a-placeholder": "cannot be more than the pupils on roll {roll}",
}


def describe(problems: list[StandardsProblem]) -> str:
    return "\n".join(str(problem) for problem in problems)


def marked_line(text: str) -> int:
    lines = [number for number, line in enumerate(text.splitlines(), start=1) if HERE in line]
    assert len(lines) == 1, f"mark exactly one line: {lines}"
    return lines[0]


def test_the_unbroken_snippet_loads_and_its_constraints_are_enforced(tmp_path: Path) -> None:
    standards = load_catalog(council_standards(tmp_path, rules=RULE, questions=QUESTIONS)).get(OVERLAY)
    assert standards.rule("environment.timetables") is not None
    dates = {"plans_started_on": "2025-09-01", "plans_reviewed_on": "2026-11-01"}
    audit = minimal_audit(pupils={"on_roll": 10}, classroom={"nurture_group": 10, **dates})
    assert validate_audit(audit, questions=standards.questions).values["classroom.nurture_group"] == 10
    audit = minimal_audit(pupils={"on_roll": 10}, classroom={"nurture_group": 11, "plans_reviewed_on": "2026-11-02"})
    with pytest.raises(AuditInvalid) as raised:
        validate_audit(audit, questions=standards.questions)
    # The overlay's own constraint, and the base's not_after_audit_date, which covers every date of the version.
    assert [(p.field, p.message) for p in raised.value.problems] == [
        ("classroom.nurture_group", "cannot be more than the pupils on roll (10)"),
        ("classroom.plans_reviewed_on", "cannot be later than the audit date (2026-11-01)"),
    ]
    audit = minimal_audit(classroom={"plans_started_on": "2025-09-01", "plans_reviewed_on": "2025-08-31"})
    with pytest.raises(AuditInvalid) as raised:
        validate_audit(audit, questions=standards.questions)
    assert [(p.field, p.message) for p in raised.value.problems] == [
        ("classroom.plans_reviewed_on", "cannot be earlier than “When support plans were brought in” (2025-09-01)")
    ]


@pytest.mark.parametrize("case", REFUSALS, ids=[case.id for case in REFUSALS])
def test_a_broken_question_or_constraint_of_an_overlay_is_refused_at_its_line_with_its_id(
    tmp_path: Path, case: Refused
) -> None:
    rule, questions = RULE, QUESTIONS
    if case.in_rule:
        assert case.old in rule, f"mutation anchor not found: {case.old!r}"
        rule = rule.replace(case.old, case.new, 1)
    else:
        assert case.old in questions, f"mutation anchor not found: {case.old!r}"
        questions = questions.replace(case.old, case.new, 1)
        if case.id in MESSAGES:
            questions = questions.replace(
                "cannot be more than the pupils on roll ({pupils.on_roll})", MESSAGES[case.id]
            )
    root = council_standards(tmp_path, rules=rule, questions=questions)
    line = marked_line((root / OVERLAY_FILE).read_text(encoding="utf-8"))
    with pytest.raises(StandardsError) as raised:
        load_catalog(root)
    problems = raised.value.problems
    matching = [problem for problem in problems if case.words in problem.message]
    assert matching, f"no problem says {case.words!r}:\n{describe(problems)}"
    assert [(p.file, p.line, p.rule) for p in matching] == [(OVERLAY_FILE, line, case.subject)], describe(matching)


def test_a_version_that_declares_its_own_questions_needs_a_completeness_rule(tmp_path: Path) -> None:
    """A set that extends nothing and declares its questions beside its rules (not in a question file) must say
    when its reports are complete; an overlay inherits its base's rule."""
    root = tmp_path / "standards"
    shutil.copytree(STANDARDS, root)
    national = (root / "national" / "2026.1.yaml").read_text(encoding="utf-8")
    asked = (root / "national" / "questions" / "2025.1.yaml").read_text(encoding="utf-8")
    body = asked[asked.index("\nconstraints:\n") :]  # constraints, sections and questions: no completeness
    own = (
        national.replace("set: national\n", "set: county\n", 1)
        .replace("status: published\n", "status: draft\n", 1)
        .replace("supersedes: national@2025.1\n", "", 1)
        .rstrip()
        + "\n"
        + body.replace("\nquestions:\n", f"\nquestions:  {HERE}\n", 1)
    )
    (root / "county").mkdir()
    path = root / "county" / "2026.1.yaml"
    path.write_text(own, encoding="utf-8")
    with pytest.raises(StandardsError) as raised:
        load_catalog(root)
    assert [(p.file, p.line, p.rule, p.message) for p in raised.value.problems] == [
        (
            "county/2026.1.yaml",
            marked_line(own),
            None,
            "declares questions but no completeness rule (completeness: statutory_assessed, coverage_at_least)",
        )
    ]
    completed = own.replace(
        "\nconstraints:\n", "\ncompleteness: {statutory_assessed: true, coverage_at_least: 0.8}\nconstraints:\n", 1
    )
    path.write_text(completed, encoding="utf-8")
    county = load_catalog(root).get("county@2026.1")
    assert county.questions_file == "county/2026.1.yaml"
    assert county.questions.completeness is not None
