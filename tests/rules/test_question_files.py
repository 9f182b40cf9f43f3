"""Question files: the published versions' questions are what the national versions ask, and a broken
question file is refused with file, line and question id.

Each refusal case mutates a copy of the real question file; the offending line carries the comment ``# here``,
so the expected line is found from the text, never written by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from api.contract.questions import ENVELOPE, Question, field_specs
from api.errors import StandardsError
from api.rules.catalog import load_catalog, write_lock
from api.rules.question_files import parse_question_file
from tests.conftest import national_questions
from tests.councils import copy_standards, council_standards, problems_of

ROOT = Path(__file__).resolve().parents[2] / "standards"
PUBLISHED = ROOT / "national" / "questions" / "2025.1.yaml"
HERE = "# here"


def published() -> dict[str, Question]:
    return {question.id: question for question in parse_question_file(PUBLISHED).content.questions}


@pytest.mark.parametrize("ref", ["national@2025.1", "national@2026.1"])
def test_the_published_questions_are_what_the_national_versions_ask(ref: str) -> None:
    content = parse_question_file(PUBLISHED).content
    asked = national_questions(ref)
    assert asked == content
    specs = field_specs(content)
    assert list(specs) == [*ENVELOPE, *published()]
    assert len(specs) == 52  # the fields of the Python contract they were scored on


def test_every_number_of_the_published_questions_has_finite_limits_and_a_unit() -> None:
    numbers = [q for q in published().values() if q.kind in ("whole_number", "number")]
    assert len(numbers) == 22
    for question in numbers:
        low, high = question.limits
        assert 0 <= low < high <= 10_080, question.id
        assert question.unit, question.id


def test_sections_are_in_form_order_and_every_one_has_questions() -> None:
    content = parse_question_file(PUBLISHED).content
    section_ids = [section.id for section in content.sections]
    assert section_ids[:3] == ["school", "pupils", "senco"]
    assert {question.section for question in content.questions} == set(section_ids)


@dataclass(frozen=True)
class Broken:
    name: str
    old: str
    new: str
    message: str
    question: str | None


CASES = [
    Broken(
        "number without max",
        "    min: 0\n    max: 10000\n",
        f"    min: 0  {HERE}\n",
        "needs both min and max",
        "pupils.on_roll",
    ),
    Broken(
        "infinite max",
        "    max: 10000\n",
        f"    max: .inf  {HERE}\n",
        "max: Input should be a finite number",
        "pupils.on_roll",
    ),
    Broken(
        "min above max",
        "    min: 0\n    max: 10000\n",
        f"    min: 20000  {HERE}\n    max: 10000\n",
        "must not be more than max",
        "pupils.on_roll",
    ),
    Broken(
        "key of another kind",
        "    label: Does the school receive the Inclusive Mainstream Fund (2026-27 onwards)?\n",
        "    label: Does the school receive the Inclusive Mainstream Fund (2026-27 onwards)?\n"
        f"    none_label: Never  {HERE}\n",
        "'none_label' does not belong to a flag question",
        "school.receives_imf",
    ),
    Broken(
        "unknown key",
        "    label: Pupils on roll\n",
        f"    label: Pupils on roll\n    colour: red  {HERE}\n",
        "unknown key 'colour'",
        "pupils.on_roll",
    ),
    Broken(
        "id outside its section",
        "  - id: pupils.ehcp\n    section: pupils\n",
        f"  - id: pupils.ehcp\n    section: senco  {HERE}\n",
        "must start with its section",
        "pupils.ehcp",
    ),
    Broken(
        "undeclared section",
        "  - id: pupils.ehcp\n    section: pupils\n",
        f"  - id: classroom.ehcp\n    section: classroom  {HERE}\n",
        "section 'classroom' is not declared",
        "classroom.ehcp",
    ),
    Broken(
        "duplicate id",
        "  - id: pupils.ehcp\n",
        f"  - id: pupils.sen_support  {HERE}\n",
        "duplicate question id",
        "pupils.sen_support",
    ),
    Broken(
        "envelope asked as a question",
        "  - id: school.name\n",
        f"  - id: school.urn  {HERE}\n",
        "belongs to every audit",
        "school.urn",
    ),
    Broken(
        "percent beyond 100",
        "    label: Attendance of other pupils\n",
        f"    label: Attendance of other pupils\n    max: 120  {HERE}\n",
        "within 0 to 100",
        "outcomes.attendance_non_send_pct",
    ),
    Broken(
        "whole number with a decimal limit",
        "    unit: sites\n    min: 1\n",
        f"    unit: sites\n    min: 1.5  {HERE}\n",
        "whole numbers",
        "school.sites",
    ),
    Broken(
        "duplicate choice",
        "      - {id: planned, label: Planned}\n",
        f"      - {{id: none, label: Planned}}  {HERE}\n",
        "choice ids must differ",
        "environment.inclusion_base",
    ),
    Broken(
        "duplicate section",
        "  - id: pupils\n    title: Pupils\n",
        f"  - id: school  {HERE}\n    title: Pupils\n",
        "declared twice",
        None,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_broken_question_file_is_refused_at_its_line_with_its_id(tmp_path: Path, case: Broken) -> None:
    text = PUBLISHED.read_text(encoding="utf-8")
    assert text.count(case.old) >= 1, f"mutation anchor not found: {case.old!r}"
    mutated = text.replace(case.old, case.new, 1)
    path = tmp_path / "questions.yaml"
    path.write_text(mutated, encoding="utf-8")
    marked = {number for number, line in enumerate(mutated.splitlines(), start=1) if HERE in line}
    with pytest.raises(StandardsError) as raised:
        parse_question_file(path)
    matching = [problem for problem in raised.value.problems if case.message in problem.message]
    assert matching, [str(problem) for problem in raised.value.problems]
    problem = matching[0]
    assert problem.file == str(path)
    assert problem.rule == case.question
    # A problem of one key is reported at that key; one of the question as a whole at the question's first line.
    lines = mutated.splitlines()
    entry = max(n for n in range(1, min(marked) + 1) if lines[n - 1].lstrip().startswith("- id:"))
    assert problem.line in marked or problem.line == entry, (problem.line, marked, entry)


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "questions.yaml"
    path.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(StandardsError, match="must be a mapping with sections and questions"):
        parse_question_file(path)


# --- in the catalogue: every version asks the questions of its question file, or those of the set it extends.


def test_every_version_asks_the_questions_it_was_scored_on() -> None:
    catalog = load_catalog(ROOT)
    expected = parse_question_file(PUBLISHED).content.by_id()
    for ref in ("national@2025.1", "national@2026.1"):
        standards = catalog.get(ref)
        assert standards.questions_file == "national/questions/2025.1.yaml"
        assert standards.questions.by_id() == expected
    overlay = catalog.get("somerset-example@2026.1").questions
    national = catalog.get("national@2026.1").questions
    assert overlay.sections == (*national.sections, *(s for s in overlay.sections if s.id == "practice"))
    assert overlay.questions[: len(national.questions)] == national.questions
    assert [q.id for q in overlay.questions[len(national.questions) :]] == [
        "practice.visual_supports",
        "practice.pupil_voice",
        "practice.support_plans_pct",
    ]
    assert (overlay.constraints, overlay.completeness) == (national.constraints, national.completeness)


def test_rules_are_checked_against_the_version_s_questions(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    path = root / "national" / "questions" / "2025.1.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: governance.send_governor\n")
    end = text.index("  - id: governance.sen_information_report_updated_on\n")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    problems = problems_of(root)
    assert any("reads unknown audit field 'governance.send_governor'" in problem for problem in problems), problems
    assert all(problem.startswith(("national/", "somerset-example/")) for problem in problems), problems


def test_a_version_without_questions_is_refused(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    path = root / "national" / "questions" / "2025.1.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("versions: [national@2025.1, national@2026.1]", "versions: [national@2025.1]"))
    problems = problems_of(root)
    assert problems[0] == (
        "national/2026.1.yaml:1: asks no questions: declare sections and questions, or name it in a question file "
        "(<set>/questions/)"
    )
    # The overlay that extends it then reads fields nobody asks: each its own problem, in the overlay.
    assert all(problem.startswith("somerset-example/2026.1.yaml:") for problem in problems[1:]), problems


def test_a_question_file_for_an_unknown_or_already_served_version_is_refused(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    second = root / "national" / "questions" / "2024.1.yaml"
    text = (root / "national" / "questions" / "2025.1.yaml").read_text(encoding="utf-8")
    second.write_text(text.replace("[national@2025.1, national@2026.1]", "[national@2026.1, national@2030.1]"))
    line = next(n for n, text in enumerate(text.splitlines(), start=1) if text.startswith("versions:"))
    assert problems_of(root) == [
        f"national/questions/2024.1.yaml:{line}: names national@2030.1, which is not a version",
        f"national/questions/2025.1.yaml:{line}: national@2026.1 already takes its questions from "
        "national/questions/2024.1.yaml",
    ]


def test_a_published_question_file_is_locked_and_never_changes(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    path = root / "national" / "questions" / "2025.1.yaml"
    assert "\nstatus: published\n" in path.read_text(encoding="utf-8")
    load_catalog(root, verify_lock=True)
    lock = root / "standards.lock"
    entries = lock.read_text(encoding="utf-8")
    lock.write_text("".join(line for line in entries.splitlines(keepends=True) if "questions/2025.1" not in line))
    assert problems_of(root, verify_lock=True) == [
        "national/questions/2025.1.yaml:1: is published but not in standards.lock; run 'oap standards lock' once "
        "it is final"
    ]
    assert write_lock(root) == ["national/questions/2025.1.yaml"]
    assert lock.read_text(encoding="utf-8") == entries
    path.write_text(path.read_text(encoding="utf-8").replace("Pupils on roll", "Pupils on the roll"))
    problems = problems_of(root, verify_lock=True)
    assert len(problems) == 1
    assert problems[0].startswith("national/questions/2025.1.yaml:1: is published and has changed since it was locked")


def test_a_draft_question_file_may_change_but_is_never_locked(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    path = root / "national" / "questions" / "2025.1.yaml"
    draft = path.read_text(encoding="utf-8").replace("\nstatus: published\n", "\nstatus: draft\n")
    path.write_text(draft.replace("Pupils on roll", "Pupils on the roll"), encoding="utf-8")
    lock = root / "standards.lock"
    entries = lock.read_text(encoding="utf-8").splitlines(keepends=True)
    lock.write_text("".join(line for line in entries if "questions/2025.1" not in line), encoding="utf-8")
    assert load_catalog(root, verify_lock=True).get("national@2026.1").questions.by_id()["pupils.on_roll"].label == (
        "Pupils on the roll"
    )
    with lock.open("a", encoding="utf-8") as handle:
        handle.write(f"{'0' * 64}  national/questions/2025.1.yaml\n")
    assert problems_of(root, verify_lock=True) == [
        "national/questions/2025.1.yaml:1: is a draft but is listed in standards.lock"
    ]


# --- an overlay adds questions of its own, in sections of its own.

COUNCIL_QUESTIONS = """
sections:
  - {id: classroom, title: Classroom practice, description: What every classroom offers.}
questions:
  - id: classroom.visual_timetables
    section: classroom
    kind: statement
    label: Every classroom shows a visual timetable that pupils use
    hint: Say where the evidence sits (a learning walk, photographs); never name a pupil.
  - id: classroom.reviews_with_parents_pct
    section: classroom
    kind: percent
    label: Share of SEN support plans reviewed with parents this term
"""


def overlay_asking(tmp_path: Path, extra: str) -> Path:
    return council_standards(tmp_path, questions=extra)


def test_an_overlay_asks_the_base_s_questions_and_its_own(tmp_path: Path) -> None:
    catalog = load_catalog(overlay_asking(tmp_path, COUNCIL_QUESTIONS))
    overlay = catalog.get("somerset-example@2026.1").questions
    national = catalog.get("national@2026.1").questions
    assert [s.id for s in overlay.sections] == [*(s.id for s in national.sections), "classroom", "practice"]
    asked = overlay.by_id()
    assert list(asked)[: len(national.questions)] == list(national.by_id())
    assert asked["classroom.visual_timetables"].kind == "statement"
    assert catalog.get("somerset-example@2026.1").questions_file == "somerset-example/2026.1.yaml"


def test_an_overlay_rule_may_read_the_overlay_s_question(tmp_path: Path) -> None:
    root = overlay_asking(tmp_path, COUNCIL_QUESTIONS)
    path = root / "somerset-example" / "2026.1.yaml"
    text = path.read_text(encoding="utf-8")
    reading = """  - id: published.reviews-with-parents
    title: Plans are reviewed with parents every term
    domain: published
    basis: statutory_guidance
    weight: 1
    check:
      kind: at_least
      value: classroom.reviews_with_parents_pct
      met_at_least: 90
      partially_met_at_least: 50
      unit: "%"
    gap: {partially_met: Review the rest with parents., not_met: Review plans with parents each term.}
    message: {missing: Few reviews., why: The Code asks for termly reviews., how: Meet parents each term.}
    sources: [{source: cop-2015, ref: paragraph 6.65, verify: true}]
    review_by: 2027-08-31
"""
    path.write_text(text.replace("\nrules:\n", "\nrules:\n" + reading, 1), encoding="utf-8")
    rule_read = load_catalog(root).get("somerset-example@2026.1").rule("published.reviews-with-parents")
    assert rule_read is not None
    unknown = text.replace("\nrules:\n", "\nrules:\n" + reading.replace("classroom.reviews", "classroom.missing"), 1)
    path.write_text(unknown, encoding="utf-8")
    assert any("reads unknown audit field 'classroom.missing_with_parents_pct'" in p for p in problems_of(root))
