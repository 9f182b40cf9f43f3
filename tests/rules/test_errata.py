"""Errata as locked data: the real errata file, and broken copies of it that must fail with file, line and rule.

Each case copies the whole ``standards/`` folder and writes an errata file of its own (or changes the real one);
the expected line numbers are found from the text, never written by hand.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from api.errors import StandardsError
from api.rules.catalog import load_catalog, write_lock
from api.rules.errata import Severity
from tests.councils import copy_standards, problems_of

ROOT = Path(__file__).resolve().parents[2] / "standards"
REAL = "national/errata/2026-12.yaml"
OURS = "national/errata/2027-01.yaml"
QUESTIONS = "national/questions/2025.1.yaml"


def line_with(text: str, needle: str) -> int:
    """The 1-based number of the first line of ``text`` containing ``needle``."""
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


def write(root: Path, name: str, text: str) -> str:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


def with_next_version(root: Path) -> None:
    """Add national@2026.2 to a copy: a draft copy of 2026.1 that asks the published question file's questions
    (the question file names it, and its lock entry is updated to match). Nothing to do once the real one exists."""
    if (root / "national" / "2026.2.yaml").exists():
        return
    text = (root / "national" / "2026.1.yaml").read_text(encoding="utf-8")
    text = text.replace('version: "2026.1"', 'version: "2026.2"', 1).replace("status: published", "status: draft", 1)
    write(root, "national/2026.2.yaml", text.replace("supersedes: national@2025.1", "supersedes: national@2026.1"))
    questions = root / QUESTIONS
    questions.write_text(
        questions.read_text(encoding="utf-8").replace(
            "versions: [national@2025.1, national@2026.1]",
            "versions: [national@2025.1, national@2026.1, national@2026.2]",
        ),
        encoding="utf-8",
    )
    digest = hashlib.sha256(questions.read_bytes()).hexdigest()
    lock = root / "standards.lock"
    lines = lock.read_text(encoding="utf-8").splitlines(keepends=True)
    lock.write_text("".join(f"{digest}  {QUESTIONS}\n" if QUESTIONS in line else line for line in lines))


ENTRY = """  - versions: [{versions}]
    rule: {rule}
    severity: wording
    problem: The message says something the law does not say.
    effect: The why-it-matters text of this finding is wrong.
"""


def errata(*entries: str, status: str = "draft", extra: str = "") -> str:
    """An errata file with these entries."""
    return f"status: {status}\n{extra}entries:\n" + "".join(entries)


def entry(rule: str = "senco.slt", versions: str = "national@2026.1") -> str:
    return ENTRY.format(rule=rule, versions=versions)


# --- the real file


def test_the_real_errata_cover_e1_to_e10_for_each_version_they_affect() -> None:
    catalog = load_catalog(ROOT)
    expected = {
        "national@2025.1": {
            ("senco.qualification", Severity.wrong_statutory_finding),  # E1
            ("senco.qualification", Severity.wrong_citation),  # E5
            ("senco.qualified-teacher", Severity.wrong_statutory_finding),  # E2
            ("governance.sen-information-report", Severity.overstated_basis),  # E3
            ("environment.accessible-toilet", Severity.wording),  # E4
            ("senco.slt", Severity.wording),  # E6
            ("ta.pupil-ratio", Severity.calibration),  # E8
            ("published.sen-report-complete", Severity.wording),  # E10
        },
        "national@2026.1": {
            ("senco.qualification", Severity.wrong_statutory_finding),
            ("senco.qualification", Severity.wrong_citation),
            ("senco.qualified-teacher", Severity.wrong_statutory_finding),
            ("governance.sen-information-report", Severity.overstated_basis),
            ("environment.accessible-toilet", Severity.wording),
            ("senco.slt", Severity.wording),
            ("published.sen-report-complete", Severity.wording),
        },
    }
    for ref, wanted in expected.items():
        standards = catalog.get(ref)
        found = {(error.rule, error.severity) for error in standards.errata}
        assert wanted <= found, (ref, wanted - found)
        # E9: every rule citing the committee report (or, in 2026.1, the White Paper) has a citation erratum.
        citing = {
            rule.id for rule in standards.rules if {"edcom-2025", "white-paper-2026"} & {s.source for s in rule.sources}
        }
        assert citing == {e.rule for e in standards.errata if e.severity is Severity.wrong_citation} - {
            "senco.qualification"
        }
        assert all(error.recorded_for == ref and error.file == REAL for error in standards.errata)
        assert {error.corrected_by for error in standards.errata} <= {None, "national@2026.2"}
    assert ("ta.pupil-ratio", Severity.calibration) not in {
        (e.rule, e.severity) for e in catalog.get("national@2026.1").errata
    }


def test_an_overlay_has_its_own_errata_and_those_of_the_rules_it_inherits_unchanged() -> None:
    catalog = load_catalog(ROOT)
    overlay, base = catalog.get("somerset-example@2026.1"), catalog.get("national@2026.1")
    own = [error for error in overlay.errata if error.recorded_for == overlay.ref]
    assert [(error.rule, error.severity) for error in own] == [
        ("published.local-offer-link", Severity.calibration)
    ]  # E7
    inherited = {(error.rule, error.problem) for error in overlay.errata if error.recorded_for == base.ref}
    kept = {rule.id for rule in overlay.rules} - set(overlay.changed)
    assert inherited == {(error.rule, error.problem) for error in base.errata if error.rule in kept}
    assert "governance.send-governor" not in {error.rule for error in overlay.errata}, "changed by the overlay"
    assert "environment.inclusion-base" not in {error.rule for error in overlay.errata}, "switched off"
    assert overlay.extends is base, "the overlay's base is the loaded version, with its errata"
    assert base.errata


def test_corrected_by_must_name_a_version_that_exists(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    text = write(root, OURS, errata(entry(), extra="corrected_by: national@2099.1\n"))
    assert problems_of(root) == [
        f"{OURS}:{line_with(text, 'corrected_by')}: corrected_by names national@2099.1, which is not a version"
    ]
    write(root, OURS, errata(entry(), extra="corrected_by: national@2026.2\n"))
    with_next_version(root)
    catalog = load_catalog(root, verify_lock=True)
    errors = [error for error in catalog.get("national@2026.1").errata if error.file == OURS]
    assert [(error.rule, error.corrected_by) for error in errors] == [("senco.slt", "national@2026.2")]
    assert not [error for error in catalog.get("national@2026.2").errata if error.file == OURS]


def test_an_entry_may_not_name_the_version_that_corrects_it(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    with_next_version(root)
    text = write(root, OURS, errata(entry(versions="national@2026.2"), extra="corrected_by: national@2026.2\n"))
    line = line_with(text, "versions:")
    assert problems_of(root) == [
        f"{OURS}:{line} [rule senco.slt]: names national@2026.2, the version that corrects this file's errors"
    ]


def test_an_unknown_version_a_version_of_another_set_and_an_unknown_rule_are_refused(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    text = write(
        root,
        OURS,
        errata(
            entry(versions="national@2030.1"),
            entry(rule="ta.sen-ratio", versions="national@2025.1, national@2026.1"),
            entry(rule="senco.slt", versions="national@2026.1, national@2026.1"),
        ),
    )
    write(root, "somerset-example/errata/2027-01.yaml", errata(entry(versions="national@2026.1")))
    rule_line = line_with(text, "rule: ta.sen-ratio")
    versions = [n for n, line in enumerate(text.splitlines(), start=1) if "versions:" in line]
    assert problems_of(root) == [
        f"{OURS}:{versions[0]} [rule senco.slt]: names national@2030.1, which is not a version",
        f"{OURS}:{rule_line} [rule ta.sen-ratio]: is not a rule of national@2025.1",
        f"{OURS}:{versions[2]} [rule senco.slt]: names national@2026.1 twice",
        "somerset-example/errata/2027-01.yaml:3 [rule senco.slt]: names national@2026.1, which is neither a version "
        "of 'somerset-example' nor an overlay of one",
    ]


def test_an_erratum_recorded_twice_is_refused(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    text = write(root, OURS, errata(entry(), entry(versions="national@2025.1, national@2026.1")))
    line = [n for n, line in enumerate(text.splitlines(), start=1) if "problem:" in line][1]
    assert problems_of(root) == [
        f"{OURS}:{line} [rule senco.slt]: repeats an erratum of national@2026.1 already recorded in {OURS}"
    ]


@pytest.mark.parametrize(
    ("body", "needle", "rule", "words"),
    [
        (
            errata(entry().replace("severity: wording", "severity: wording\n    colour: red")),
            "colour",
            "senco.slt",
            "unknown key 'colour'",
        ),
        (
            errata(entry().replace("severity: wording", "severity: dreadful")),
            "dreadful",
            "senco.slt",
            "severity: Input should be",
        ),
        (
            errata(entry().replace("    effect: The why-it-matters text of this finding is wrong.\n", "")),
            "versions:",
            "senco.slt",
            "'effect' is required",
        ),
        (errata(entry()).replace("status: draft", "status: published"), "status:", None, "needs published_on"),
        (errata(entry(), extra="owner: someone\n"), "owner", None, "unknown key 'owner'"),
        (errata(entry()) + "status: draft\n", "status: draft", None, "duplicate key 'status'"),
        (
            errata(entry().replace("rule: senco.slt", "rule: Senco SLT")),
            "Senco SLT",
            "Senco SLT",
            "rule: String should match",
        ),
        ("status: draft\nentries: []\n", "entries", None, "entries: list at least one erratum"),
    ],
    ids=[
        "unknown-key",
        "unknown-severity",
        "missing-effect",
        "published-undated",
        "unknown-top-key",
        "duplicate-key",
        "bad-rule-id",
        "no-entries",
    ],
)
def test_a_broken_errata_file_is_refused_with_file_line_and_rule(
    tmp_path: Path, body: str, needle: str, rule: str | None, words: str
) -> None:
    root = copy_standards(tmp_path)
    write(root, OURS, body)
    with pytest.raises(StandardsError) as raised:
        load_catalog(root, verify_lock=False)
    [problem] = raised.value.problems
    assert (problem.file, problem.rule) == (OURS, rule)
    assert words in problem.message
    lines = [n for n, line in enumerate(body.splitlines(), start=1) if needle in line]
    assert problem.line == (lines[-1] if needle == "status: draft" else lines[0]), (problem, lines)


def test_a_published_errata_file_is_locked_and_never_changes(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    write(root, OURS, errata(entry(), status="published", extra="published_on: 2027-01-15\n"))
    assert load_catalog(root, verify_lock=False).get("national@2026.1").errata[-1].published_on is not None
    assert problems_of(root, verify_lock=True) == [
        f"{OURS}:1: is published but not in standards.lock; run 'oap standards lock' once it is final"
    ]
    assert write_lock(root) == [OURS]
    assert write_lock(root) == []
    load_catalog(root, verify_lock=True)
    path = root / OURS
    path.write_text(path.read_text(encoding="utf-8").replace("something the law", "something that the law"))
    [problem] = problems_of(root, verify_lock=True)
    assert problem.startswith(f"{OURS}:1: is published and has changed since it was locked")


def test_a_draft_errata_file_may_change_but_is_never_locked(tmp_path: Path) -> None:
    root = copy_standards(tmp_path)
    write(root, OURS, errata(entry()))
    assert write_lock(root) == [], "a draft is never locked"
    write(root, OURS, errata(entry(rule="senco.designated")))
    assert load_catalog(root, verify_lock=True).get("national@2026.1").errata[-1].rule == "senco.designated"
    with (root / "standards.lock").open("a", encoding="utf-8") as handle:
        handle.write(f"{'0' * 64}  {OURS}\n")
    assert problems_of(root, verify_lock=True) == [f"{OURS}:1: is a draft but is listed in standards.lock"]
