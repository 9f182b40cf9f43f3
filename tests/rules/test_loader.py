"""Strict loading: a broken copy of the real standards folder must fail with file, line and rule id.

Each case copies the whole ``standards/`` folder, applies one text mutation to one file and loads the
copy. The offending line(s) of the mutated text carry the comment ``# here``; the expected line number
is found from that marker, never written by hand.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from api.errors import StandardsError, StandardsProblem
from api.rules.catalog import load_catalog, write_lock
from api.rules.lock import LOCK_FILE, read_lock
from tests.councils import copy_standards

STANDARDS = Path(__file__).resolve().parents[2] / "standards"
NATIONAL = "national/2026.1.yaml"
OVERLAY = "somerset-example/2026.1.yaml"
HERE = "# here"

Mutation = Callable[[str], str]


def replace_once(text: str, old: str, new: str, start: int = 0) -> str:
    """``text`` with the first ``old`` at or after ``start`` replaced; fails if there is none."""
    at = text.find(old, start)
    assert at >= 0, f"mutation anchor not found: {old!r}"
    return text[:at] + new + text[at + len(old) :]


def in_rule(rule_id: str, old: str, new: str) -> Mutation:
    """Replace the first ``old`` inside the rule ``rule_id`` (searching from its ``- id:`` line)."""

    def mutate(text: str) -> str:
        start = text.find(f"  - id: {rule_id}\n")
        assert start >= 0, f"rule {rule_id} not found"
        return replace_once(text, old, new, start)

    return mutate


def anywhere(old: str, new: str) -> Mutation:
    """Replace the first ``old`` in the file."""
    return lambda text: replace_once(text, old, new)


def both(*mutations: Mutation) -> Mutation:
    """Apply several mutations in turn."""

    def mutate(text: str) -> str:
        for mutation in mutations:
            text = mutation(text)
        return text

    return mutate


def marked_lines(text: str) -> set[int]:
    """The 1-based numbers of the lines marked ``# here``."""
    return {number for number, line in enumerate(text.splitlines(), start=1) if HERE in line}


def mutate_file(root: Path, name: str, mutation: Mutation) -> str:
    """Apply ``mutation`` to ``root/name`` and return the new text."""
    path = root / name
    text = mutation(path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    return text


def load_problems(root: Path, *, verify_lock: bool = False) -> list[StandardsProblem]:
    """The problems of loading ``root`` (fails the test if it loads)."""
    with pytest.raises(StandardsError) as caught:
        load_catalog(root, verify_lock=verify_lock)
    assert caught.value.problems
    return caught.value.problems


@dataclass(frozen=True)
class Broken:
    """One broken file: the mutation, and the problem the loader must report for it."""

    id: str
    file: str
    mutation: Mutation
    rule: str | None
    words: tuple[str, ...]


BROKEN = [
    Broken(
        "unknown-key-in-rule",
        NATIONAL,
        in_rule("senco.slt", "    weight: 3\n", f"    weight: 3\n    colour: red  {HERE}\n"),
        "senco.slt",
        ("unknown key", "colour"),
    ),
    Broken(
        "wrong-type-weight",
        NATIONAL,
        in_rule("senco.slt", "    weight: 3\n", f"    weight: heavy  {HERE}\n"),
        "senco.slt",
        ("weight", "integer"),
    ),
    Broken(
        "duplicate-rule-id",
        NATIONAL,
        anywhere("  - id: senco.slt\n", f"  - id: senco.designated  {HERE}\n"),
        "senco.designated",
        ("duplicate rule id",),
    ),
    Broken(
        "duplicate-yaml-key-in-rule",
        NATIONAL,
        in_rule("senco.slt", "    weight: 3\n", f"    weight: 3\n    weight: 2  {HERE}\n"),
        "senco.slt",
        ("duplicate key", "weight"),
    ),
    Broken(
        "duplicate-yaml-key-at-top",
        NATIONAL,
        anywhere("status: published\n", f"status: published\nstatus: draft  {HERE}\n"),
        None,
        ("duplicate key", "status"),
    ),
    Broken(
        "unknown-audit-field",
        NATIONAL,
        in_rule(
            "senco.slt",
            "    check: {kind: flag, field: senco.on_slt}\n",
            f"    check: {{kind: flag, field: senco.on_slot}}  {HERE}\n",
        ),
        "senco.slt",
        ("unknown audit field", "senco.on_slot"),
    ),
    Broken(
        "audit-field-of-wrong-kind",
        NATIONAL,
        in_rule(
            "senco.slt",
            "    check: {kind: flag, field: senco.on_slt}\n",
            f"    check: {{kind: flag, field: senco.protected_fte}}  {HERE}\n",
        ),
        "senco.slt",
        ("senco.protected_fte", "number", "flag"),
    ),
    Broken(
        "limits-out-of-order",
        NATIONAL,
        both(
            in_rule("senco.time", "    check:\n", f"    check:  {HERE}\n"),
            in_rule(
                "senco.time",
                "      partially_met_at_most: 120\n",
                f"      partially_met_at_most: 60  {HERE}\n",
            ),
        ),
        "senco.time",
        ("out of order", "partially_met_at_most"),
    ),
    Broken(
        "rule-without-sources",
        NATIONAL,
        in_rule(
            "senco.slt",
            "    sources:\n      - {source: cop-2015, ref: paragraph 6.87, verify: true}\n",
            f"    sources: []  {HERE}\n",
        ),
        "senco.slt",
        ("sources", "at least 1"),
    ),
    Broken(
        "unknown-source",
        NATIONAL,
        in_rule(
            "senco.slt",
            "      - {source: cop-2015, ref: paragraph 6.87, verify: true}\n",
            f"      - {{source: cop-2099, ref: paragraph 6.87, verify: true}}  {HERE}\n",
        ),
        "senco.slt",
        ("unknown source", "cop-2099"),
    ),
    Broken(
        "unknown-domain",
        NATIONAL,
        in_rule("senco.slt", "    domain: senco\n", f"    domain: sencos  {HERE}\n"),
        "senco.slt",
        ("unknown domain", "sencos"),
    ),
    Broken(
        "gap-placeholder-the-check-cannot-fill",
        NATIONAL,
        in_rule(
            "senco.slt",
            "      not_met: Make the SENCO a member of the senior leadership team.\n",
            f"      not_met: Make the SENCO one of {{amount}} senior leaders.  {HERE}\n",
        ),
        "senco.slt",
        ("{amount}", "flag"),
    ),
    Broken(
        "gap-field-not-read-by-check",
        NATIONAL,
        in_rule(
            "senco.time",
            "      field: senco.protected_fte\n",
            f"      field: senco.admin_hours_per_week  {HERE}\n",
        ),
        "senco.time",
        ("gap field", "senco.admin_hours_per_week", "not read"),
    ),
    Broken(
        "choice-answer-not-allowed",
        NATIONAL,
        both(
            in_rule("environment.inclusion-base", "    check:\n", f"    check:  {HERE}\n"),
            in_rule(
                "environment.inclusion-base",
                "      met: [support, specialist]\n",
                f"      met: [support, huge]  {HERE}\n",
            ),
        ),
        "environment.inclusion-base",
        ("'huge'", "environment.inclusion_base"),
    ),
    Broken(
        "qualification-answer-not-allowed",
        NATIONAL,
        both(
            in_rule("senco.qualification", "    check:\n", f"    check:  {HERE}\n"),
            in_rule("senco.qualification", "        - {value: npq_senco}\n", f"        - {{value: npq}}  {HERE}\n"),
        ),
        "senco.qualification",
        ("'npq'", "senco.qualification"),
    ),
    Broken(
        "version-without-quotes",
        NATIONAL,
        anywhere('version: "2026.1"\n', f"version: 2026.1  {HERE}\n"),
        None,
        ("version", "quotes"),
    ),
    Broken(
        "invalid-yaml",
        NATIONAL,
        in_rule(
            "senco.slt",
            "    title: The SENCO is on the senior leadership team\n",
            f"    title: The SENCO: on the senior leadership team  {HERE}\n",
        ),
        None,
        ("not valid YAML",),
    ),
    Broken(
        "overlay-switches-off-rule-the-base-lacks",
        OVERLAY,
        anywhere("  - rule: environment.inclusion-base\n", f"  - rule: environment.no-such-rule  {HERE}\n"),
        "environment.no-such-rule",
        ("switches off", "does not have"),
    ),
    Broken(
        "overlay-changes-rule-the-base-lacks",
        OVERLAY,
        anywhere("  - rule: governance.send-governor\n", f"  - rule: governance.no-such-rule  {HERE}\n"),
        "governance.no-such-rule",
        ("changes a rule", "does not have"),
    ),
    Broken(
        "overlay-change-breaks-the-rule",
        OVERLAY,
        anywhere("      weight: 4\n", f"      weight: 40  {HERE}\n"),
        "governance.send-governor",
        ("weight", "10"),
    ),
    Broken(
        "overlay-switches-off-a-statutory-duty",
        OVERLAY,
        anywhere("  - rule: environment.inclusion-base\n", f"  - rule: governance.accessibility-plan  {HERE}\n"),
        "governance.accessibility-plan",
        ("cannot switch off a statutory duty",),
    ),
    Broken(
        "overlay-changes-the-basis-of-a-statutory-duty",
        OVERLAY,
        both(
            anywhere("  - rule: governance.send-governor\n", "  - rule: senco.designated\n"),
            anywhere("      weight: 4\n", f"      basis: guidance  {HERE}\n"),
        ),
        "senco.designated",
        ("cannot change the basis of a statutory duty",),
    ),
    Broken(
        "overlay-changes-the-check-of-a-statutory-duty",
        OVERLAY,
        both(
            anywhere("  - rule: governance.send-governor\n", "  - rule: senco.designated\n"),
            anywhere("      weight: 4\n", f"      check: {{expected: false}}  {HERE}\n"),
        ),
        "senco.designated",
        ("cannot change the check of a statutory duty",),
    ),
    Broken(
        "overlay-narrows-when-a-statutory-duty-applies",
        OVERLAY,
        both(
            anywhere("  - rule: governance.send-governor\n", "  - rule: senco.designated\n"),
            anywhere("      weight: 4\n", f"      when: [{{field: school.receives_imf, equals: true}}]  {HERE}\n"),
        ),
        "senco.designated",
        ("cannot change the when of a statutory duty",),
    ),
    Broken(
        "overlay-extends-unknown-set",
        OVERLAY,
        anywhere("extends: national@2026.1\n", f"extends: national@2030.1  {HERE}\n"),
        None,
        ("extends unknown", "national@2030.1"),
    ),
]


def describe(problems: list[StandardsProblem]) -> str:
    return "\n".join(str(problem) for problem in problems)


@pytest.mark.parametrize("case", BROKEN, ids=[case.id for case in BROKEN])
def test_broken_file_is_reported_at_its_line_and_rule(tmp_path: Path, case: Broken) -> None:
    root = copy_standards(tmp_path)
    text = mutate_file(root, case.file, case.mutation)
    lines = marked_lines(text)
    assert lines, "the mutation must mark the offending line"
    problems = load_problems(root)
    matching = [
        problem
        for problem in problems
        if problem.file == case.file and all(word in problem.message for word in case.words)
    ]
    assert matching, f"no problem in {case.file} says {case.words}:\n{describe(problems)}"
    located = [problem for problem in matching if problem.line in lines and problem.rule == case.rule]
    assert located, f"want {case.file} line {sorted(lines)} rule {case.rule}, got:\n{describe(matching)}"


def test_the_unbroken_copy_loads(tmp_path: Path) -> None:
    catalog = load_catalog(copy_standards(tmp_path), verify_lock=True)
    assert {standards.ref for standards in catalog.all()} >= {
        "national@2025.1",
        "national@2026.1",
        "somerset-example@2026.1",
    }


def test_every_problem_in_a_file_is_listed(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    text = mutate_file(
        root,
        NATIONAL,
        both(
            in_rule("senco.slt", "    domain: senco\n", f"    domain: sencos  {HERE}\n"),
            in_rule("senco.time", "      field: senco.protected_fte\n", f"      field: senco.on_slt  {HERE}\n"),
        ),
    )
    problems = [problem for problem in load_problems(root) if problem.file == NATIONAL]
    assert {problem.rule for problem in problems} >= {"senco.slt", "senco.time"}
    assert marked_lines(text) <= {problem.line for problem in problems}


def test_problem_reads_file_line_rule_message(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    text = mutate_file(
        root, NATIONAL, in_rule("senco.slt", "    weight: 3\n", f"    weight: 3\n    colour: red  {HERE}\n")
    )
    (line,) = marked_lines(text)
    problem = next(p for p in load_problems(root) if p.file == NATIONAL and p.rule == "senco.slt")
    assert str(problem) == f"{NATIONAL}:{line} [rule senco.slt]: {problem.message}"
    assert "colour" in problem.message


@pytest.mark.parametrize(
    ("problem", "shown"),
    [
        (StandardsProblem("a/1.yaml", 12, "x.y", "broken"), "a/1.yaml:12 [rule x.y]: broken"),
        (StandardsProblem("a/1.yaml", 12, None, "broken"), "a/1.yaml:12: broken"),
        (StandardsProblem("a/1.yaml", None, "x.y", "broken"), "a/1.yaml [rule x.y]: broken"),
        (StandardsProblem("standards.lock", None, None, "broken"), "standards.lock: broken"),
    ],
)
def test_problem_str_leaves_out_what_is_unknown(problem: StandardsProblem, shown: str) -> None:
    assert str(problem) == shown


def test_standards_error_message_lists_every_problem() -> None:
    problems = [
        StandardsProblem("a/1.yaml", 3, "x.y", "first"),
        StandardsProblem("b/2.yaml", 9, None, "second"),
    ]
    error = StandardsError(problems)
    assert str(error).splitlines() == [str(problem) for problem in problems]


# ---------------------------------------------------------------- the lock file


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_editing_a_published_file_breaks_the_lock(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    mutate_file(root, NATIONAL, lambda text: text + "# a harmless-looking late edit\n")
    assert load_catalog(root, verify_lock=False).get("national@2026.1")
    problems = [p for p in load_problems(root, verify_lock=True) if p.file == NATIONAL]
    assert len(problems) == 1
    assert "changed" in problems[0].message
    assert "immutable" in problems[0].message


def test_a_published_file_missing_from_the_lock_fails(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    lock = root / LOCK_FILE
    kept = [line for line in lock.read_text(encoding="utf-8").splitlines(keepends=True) if NATIONAL not in line]
    lock.write_text("".join(kept), encoding="utf-8")
    problems = [p for p in load_problems(root, verify_lock=True) if p.file == NATIONAL]
    assert len(problems) == 1
    assert "published" in problems[0].message
    assert LOCK_FILE in problems[0].message


def test_a_draft_listed_in_the_lock_fails(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    with (root / LOCK_FILE).open("a", encoding="utf-8") as lock:
        lock.write(f"{sha256_of(root / OVERLAY)}  {OVERLAY}\n")
    problems = [p for p in load_problems(root, verify_lock=True) if p.file == OVERLAY]
    assert len(problems) == 1
    assert "draft" in problems[0].message


def test_a_locked_file_that_is_gone_fails(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    with (root / LOCK_FILE).open("a", encoding="utf-8") as lock:
        lock.write(f"{'0' * 64}  national/2024.1.yaml\n")
    problems = load_problems(root, verify_lock=True)
    assert any(p.file == LOCK_FILE and "national/2024.1.yaml" in p.message for p in problems)


def test_write_lock_adds_new_published_files_only(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    before = read_lock(root)
    assert write_lock(root) == []
    assert read_lock(root) == before
    mutate_file(root, OVERLAY, anywhere("status: draft\n", "status: published\n"))
    assert write_lock(root) == [OVERLAY]
    after = read_lock(root)
    assert after == {**before, OVERLAY: sha256_of(root / OVERLAY)}
    assert load_catalog(root, verify_lock=True).get("somerset-example@2026.1").status == "published"


def test_write_lock_never_changes_an_existing_entry(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    before = read_lock(root)
    assert before[NATIONAL] == sha256_of(root / NATIONAL)
    mutate_file(root, NATIONAL, lambda text: text + "# edited after publication\n")
    assert write_lock(root) == []
    assert read_lock(root) == before
    assert read_lock(root)[NATIONAL] != sha256_of(root / NATIONAL)
    problems = load_problems(root, verify_lock=True)
    assert any(p.file == NATIONAL and "immutable" in p.message for p in problems)


def test_an_overlay_may_add_sources_and_weight_to_a_statutory_duty(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    mutate_file(root, OVERLAY, anywhere("  - rule: governance.send-governor\n", "  - rule: senco.designated\n"))
    overlay = load_catalog(root).get("somerset-example@2026.1")
    rule = overlay.rule("senco.designated")
    assert rule is not None
    assert (rule.basis.value, rule.weight) == ("statutory", 4)
    assert "somerset-governors" in {citation.source for citation in rule.sources}
