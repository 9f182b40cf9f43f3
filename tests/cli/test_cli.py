"""The ``oap`` command line, called through ``api.cli.main`` (and once as a real process)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.cli.main import build_parser, main
from tests.conftest import run_oap as run
from tests.councils import (
    OVERLAY,
    STATEMENT_QUESTIONS,
    STATEMENT_RULE,
    STATEMENT_RULE_ID,
    copy_standards,
    council_standards,
)

ROOT = Path(__file__).resolve().parents[2]
STANDARDS_DIR = ROOT / "standards"
EXAMPLE = ROOT / "api" / "examples" / "example-audit.yaml"
EXAMPLE_DATA: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
EXAMPLE_NAME = EXAMPLE_DATA["school"]["name"]


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundled standards, and no debug tracebacks, whatever the caller's environment says."""
    monkeypatch.delenv("OAP_STANDARDS_DIR", raising=False)
    monkeypatch.delenv("OAP_DEBUG", raising=False)


def one_error_line(err: str) -> str:
    """The one line an error ends a command with (``oap: …``); fails on anything more, such as a traceback."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("oap: "), err
    return lines[0]


def yaml_refs() -> list[str]:
    """Every standards version, read from the files themselves."""
    refs = []
    for path in sorted(STANDARDS_DIR.glob("*/*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        refs.append(f"{data['set']}@{data['version']}")
    return refs


def rule_ids(ref: str) -> set[str]:
    name, version = ref.split("@")
    data = yaml.safe_load((STANDARDS_DIR / name / f"{version}.yaml").read_text(encoding="utf-8"))
    return {rule["id"] for rule in data["rules"]}


def audit(urn: str, audit_date: str = "2026-11-01", **sections: Any) -> dict[str, Any]:
    return {"audit_date": audit_date, "school": {"urn": urn, **sections.pop("school", {})}, **sections}


def write_ndjson(path: Path, lines: list[Any]) -> Path:
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    path.write_text(text, encoding="utf-8")
    return path


def results_by_rule(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {result["rule"]: result for result in report["results"]}


# ---------------------------------------------------------------------------------------------- score: formats


def test_score_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "score", str(EXAMPLE))
    assert code == 0, err
    assert EXAMPLE_NAME in out
    assert "Score" in out
    assert err == ""


def test_score_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "score", str(EXAMPLE), "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["school"]["urn"] == EXAMPLE_DATA["school"]["urn"]
    assert {result["rule"] for result in report["results"]} == rule_ids("national@2026.1")


def test_score_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "score", str(EXAMPLE), "--format", "markdown")
    assert code == 0, err
    first = out.splitlines()[0]
    assert first.startswith("# ")
    assert EXAMPLE_NAME in first


def test_score_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "score", str(EXAMPLE), "--format", "csv")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    header, body = rows[0], rows[1:]
    assert {"urn", "rule", "status"} <= set(header)
    expected = rule_ids("national@2026.1")
    assert len(body) == len(expected)
    column = header.index("rule")
    assert {row[column] for row in body} == expected
    assert {row[header.index("urn")] for row in body} == {EXAMPLE_DATA["school"]["urn"]}
    assert all(len(row) == len(header) for row in body)


def test_score_ndjson(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "score", str(EXAMPLE), "--format", "ndjson")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert report["school"]["name"] == EXAMPLE_NAME
    assert len(report["results"]) == len(rule_ids("national@2026.1"))


# ---------------------------------------------------------------------------------------------- score: inputs


def test_ndjson_with_invalid_lines_reports_each_in_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_ndjson(
        tmp_path / "audits.ndjson",
        [
            audit("100001", senco={"designated": True}),
            audit("100002", school={"colour": "red"}),
            '{"audit_date": "2026-11-01", "school": ',
        ],
    )
    code, out, err = run(capsys, "score", str(path), "--format", "ndjson")
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 3
    first, second, third = lines
    assert first["school"]["urn"] == "100001"
    assert results_by_rule(first)["senco.designated"]["status"] == "met"
    assert second["line"] == 2
    assert "results" not in second
    assert any(error["field"] == "school.colour" for error in second["errors"])
    assert third["line"] == 3
    assert third["errors"]
    assert err == ""  # in NDJSON the invalid lines are reported in place, on standard output


def test_ndjson_invalid_lines_go_to_stderr_in_text_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_ndjson(tmp_path / "audits.ndjson", [audit("100001"), audit("100002", school={"colour": "red"})])
    code, out, err = run(capsys, "score", str(path))
    assert code == 1
    assert "URN 100001" in out
    assert "100002" not in out
    assert "school.colour" in err
    assert "2" in err


def test_ndjson_from_standard_input(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    stream = io.StringIO(json.dumps(audit("100007")) + "\n" + json.dumps(audit("100008")) + "\n")
    monkeypatch.setattr(sys, "stdin", stream)
    code, out, err = run(capsys, "score", "-", "--format", "ndjson")
    assert code == 0, err
    assert [json.loads(line)["school"]["urn"] for line in out.splitlines()] == ["100007", "100008"]


def test_csv_audit_file_with_dotted_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "audits.csv"
    columns = [
        "audit_date",
        "school.urn",
        "school.name",
        "senco.designated",
        "senco.protected_fte",
        "pupils.sen_support",
        "pupils.ehcp",
        "governance.accessibility_plan_reviewed_on",
    ]
    rows = [
        # empty protected time: not answered; null plan: there is none
        ["2026-11-01", "100001", "Row One", "yes", "", "10", "2", "null"],
        # empty plan date: not answered
        ["2026-11-01", "100002", "Row Two", "false", "0.5", "10", "2", ""],
    ]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    code, out, err = run(capsys, "score", str(path), "--format", "json")
    assert code == 0, err
    one, two = json.loads(out)
    assert (one["school"]["urn"], one["school"]["name"]) == ("100001", "Row One")
    assert (two["school"]["urn"], two["school"]["name"]) == ("100002", "Row Two")
    first, second = results_by_rule(one), results_by_rule(two)
    assert first["senco.designated"]["status"] == "met"
    assert second["senco.designated"]["status"] == "not_met"
    assert first["senco.time"]["status"] == "not_assessed"
    assert first["senco.time"]["missing_inputs"] == ["senco.protected_fte"]
    assert "senco.protected_fte" in one["missing_inputs"]
    assert second["senco.time"]["status"] == "met"  # (10 + 2×2) ÷ 0.5 = 28
    assert first["governance.accessibility-plan"]["status"] == "not_met"
    assert first["governance.accessibility-plan"]["measured"]["value"] is None
    assert second["governance.accessibility-plan"]["status"] == "not_assessed"
    assert "governance.accessibility_plan_reviewed_on" in two["missing_inputs"]


def test_csv_statement_columns_of_an_overlay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = council_standards(tmp_path, rules=STATEMENT_RULE, questions=STATEMENT_QUESTIONS)
    path = tmp_path / "audits.csv"
    rating, evidence = "classroom.visual_timetables.rating", "classroom.visual_timetables.evidence"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["audit_date", "school.urn", rating, evidence])
        writer.writerow(["2026-11-01", "100001", "in_place", "Learning walk, October"])
        writer.writerow(["2026-11-01", "100002", "always", ""])
    argv = ("--standards-dir", str(root), "score", str(path), "--standards", OVERLAY, "--format", "json")
    code, out, err = run(capsys, *argv)
    assert code == 1
    [report] = json.loads(out)
    assert results_by_rule(report)[STATEMENT_RULE_ID]["status"] == "met"
    assert f"audit 3 is not valid and was not scored:\n  {rating}: must be one of: in_place," in err


def test_yaml_list_of_two_audits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(
        yaml.safe_dump([audit("100011", senco={"designated": True}), audit("100012", senco={"designated": False})]),
        encoding="utf-8",
    )
    code, out, err = run(capsys, "score", str(path), "--format", "json")
    assert code == 0, err
    reports = json.loads(out)
    assert [report["school"]["urn"] for report in reports] == ["100011", "100012"]
    assert [results_by_rule(r)["senco.designated"]["status"] for r in reports] == ["met", "not_met"]


@pytest.mark.parametrize("name", ["empty.ndjson", "empty.csv", "empty.json"])
def test_a_file_without_audits_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    path = tmp_path / name
    path.write_text("[]\n" if name.endswith(".json") else "", encoding="utf-8")
    code, _, err = run(capsys, "score", str(path))
    assert code == 2
    assert err == "oap: error: no audits found in the input\n"


# ---------------------------------------------------------------------------------------------- score: standards


@pytest.mark.parametrize(
    ("option", "version", "rule_only_here"),
    [
        ([], "2026.1", "ta.sen-ratio"),
        (["--standards", "national@2026.1"], "2026.1", "ta.sen-ratio"),
        (["--standards", "national@2025.1"], "2025.1", "ta.pupil-ratio"),
    ],
)
def test_standards_option_chooses_the_version(
    capsys: pytest.CaptureFixture[str], option: list[str], version: str, rule_only_here: str
) -> None:
    code, out, err = run(capsys, "score", str(EXAMPLE), "--format", "json", *option)
    assert code == 0, err
    report = json.loads(out)
    assert (report["standards"]["set"], report["standards"]["version"]) == ("national", version)
    assert {result["rule"] for result in report["results"]} == rule_ids(f"national@{version}")
    assert rule_only_here in results_by_rule(report)


@pytest.mark.parametrize(
    ("ref", "named"),
    [
        ("national@2099.1", ["national@2025.1", "national@2026.1"]),
        ("nowhere@2026.1", ["national@2025.1", "national@2026.1"]),
        ("national", ["SET@VERSION"]),
    ],
)
def test_unknown_standards_version_is_refused(capsys: pytest.CaptureFixture[str], ref: str, named: list[str]) -> None:
    code, out, err = run(capsys, "score", str(EXAMPLE), "--standards", ref)
    assert code == 1
    assert out == ""
    line = one_error_line(err)
    for text in named:
        assert text in line


@pytest.mark.parametrize(
    ("audit_date", "version"),
    [
        ("2025-10-01", "2025.1"),
        ("2026-03-01", "2025.1"),
        ("2026-08-31", "2025.1"),
        ("2026-09-01", "2026.1"),
        ("2026-11-01", "2026.1"),
    ],
)
def test_default_standards_follow_the_audit_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], audit_date: str, version: str
) -> None:
    path = write_ndjson(tmp_path / "one.ndjson", [audit("100001", audit_date)])
    code, out, err = run(capsys, "score", str(path), "--format", "ndjson")
    assert code == 0, err
    report = json.loads(out)
    assert (report["standards"]["set"], report["standards"]["version"]) == ("national", version)


def test_audit_before_any_standards_is_reported_not_scored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_ndjson(tmp_path / "early.ndjson", [audit("100001", "2025-06-01")])
    code, out, _ = run(capsys, "score", str(path), "--format", "ndjson")
    assert code == 1
    entry = json.loads(out)
    assert entry["line"] == 1
    assert [error["field"] for error in entry["errors"]] == ["audit_date"]


# ---------------------------------------------------------------------------------------------- score: bad files


@pytest.mark.parametrize("name", ["audits.txt", "audits.xlsx", "audits"])
def test_unknown_file_suffix_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    path = tmp_path / name
    path.write_text(json.dumps(audit("100001")), encoding="utf-8")
    code, out, err = run(capsys, "score", str(path))
    assert code == 1
    line = one_error_line(err)
    assert line.startswith(f"oap: {path}: cannot tell the format from "), line
    assert line.endswith("use one of .csv, .json, .jsonl, .ndjson, .yaml, .yml"), "it should say which are understood"
    assert out == ""


@pytest.mark.parametrize("name", ["missing.json", "missing.yaml", "missing.csv", "missing.ndjson"])
def test_file_that_does_not_exist_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    code, out, err = run(capsys, "score", str(tmp_path / name))
    assert code == 1
    assert one_error_line(err) == f"oap: {tmp_path / name}: cannot be read (No such file or directory)"
    assert out == ""


# ---------------------------------------------------------------------------------------------- standards commands


def test_standards_list_shows_every_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "standards", "list")
    assert code == 0, err
    refs = yaml_refs()
    assert len(refs) == 4
    for ref in refs:
        assert ref in out


def test_standards_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "standards", "list", "--format", "json")
    assert code == 0, err
    assert sorted(row["ref"] for row in json.loads(out)) == sorted(yaml_refs())


def test_standards_show_lists_the_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "standards", "show", "national@2026.1")
    assert code == 0, err
    shown = {line.split()[0] for line in out.splitlines() if line and not line.startswith(" ")}
    assert "senco.time" in shown
    assert rule_ids("national@2026.1") <= shown
    assert "senco.qualification                  known error: It may wrongly find that a legal duty is not met." in out


def test_standards_show_unknown_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "standards", "show", "national@1999.1")
    assert code == 1
    assert "national@2026.1" in err


def test_standards_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "standards", "validate")
    assert code == 0, err
    assert "OK" in out


def test_standards_validate_ok_on_an_unbroken_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "standards", "validate", str(copy_standards(tmp_path)))
    assert code == 0, err
    assert "OK" in out


def break_rule(path: Path, rule: str, old: str, new: str) -> int:
    """Replace the first ``old`` after the rule's ``id`` line; returns the 1-based line changed."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == f"- id: {rule}")
    index = next(i for i in range(start, len(lines)) if old in lines[i])
    lines[index] = lines[index].replace(old, new)
    path.write_text("".join(lines), encoding="utf-8")
    return index + 1


@pytest.mark.parametrize(
    ("rule", "old", "new"),
    [
        ("senco.time", "met_at_most: 80", "met_at_most: -80"),
        ("governance.send-governor", "weight: 3", "weight: 30"),
        ("training.tas-send", "domain: training", "domain: trainnig"),
        ("senco.slt", "basis: statutory_guidance", "basis: statutory_guidence"),
    ],
)
def test_standards_validate_names_file_line_and_rule_of_a_broken_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rule: str, old: str, new: str
) -> None:
    root = copy_standards(tmp_path)
    line = break_rule(root / "national" / "2026.1.yaml", rule, old, new)
    code, out, err = run(capsys, "standards", "validate", str(root))
    assert code == 1
    assert "OK" not in out
    located = [entry for entry in err.splitlines() if "national/2026.1.yaml" in entry and rule in entry]
    assert located, err
    assert any(f"national/2026.1.yaml:{line}" in entry for entry in located), (line, err)
    first, *problems = err.splitlines()
    assert first == "oap: the standards files are invalid:"
    assert problems, err
    assert all(problem.startswith("  ") for problem in problems), err


def test_standards_diff_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "standards", "diff", "national@2025.1", "national@2026.1")
    assert code == 0, err
    lines = out.splitlines()
    assert any(line.split()[:2] == ["added", "ta.sen-ratio"] for line in lines)
    assert any(line.split()[:2] == ["removed", "ta.pupil-ratio"] for line in lines)
    start = next(i for i, line in enumerate(lines) if line.split() == ["changed", "senco.time"])
    block = []
    for line in lines[start + 1 :]:
        if line.split()[0] in ("added", "removed", "changed"):
            break
        block.append(" ".join(line.split()))
    assert "check.met_at_most: 100 -> 80" in block


def test_standards_diff_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "standards", "diff", "national@2025.1", "national@2026.1", "--format", "json")
    assert code == 0, err
    diff = json.loads(out)
    old, new = rule_ids("national@2025.1"), rule_ids("national@2026.1")
    assert sorted(entry["rule"] for entry in diff["added"]) == sorted(new - old)
    assert sorted(entry["rule"] for entry in diff["removed"]) == sorted(old - new)
    assert "ta.sen-ratio" in new - old
    assert "ta.pupil-ratio" in old - new
    senco_time = next(entry for entry in diff["changed"] if entry["rule"] == "senco.time")
    changes = {change["field"]: (change["old"], change["new"]) for change in senco_time["changes"]}
    assert changes["check.met_at_most"] == (100, 80)


# ---------------------------------------------------------------------------------------------- help and usage


def command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command and subcommand of the parser, found by walking it."""
    yield prefix
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from command_paths(sub, (*prefix, name))


COMMANDS = list(command_paths(build_parser()))


def test_the_walk_finds_the_known_commands() -> None:
    known = {(), ("score",), ("standards",), ("standards", "list"), ("standards", "show")}
    known |= {("standards", "validate"), ("standards", "diff"), ("standards", "lock")}
    assert known <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) or "oap" for c in COMMANDS])
def test_help_on_every_command(capsys: pytest.CaptureFixture[str], command: tuple[str, ...]) -> None:
    with pytest.raises(SystemExit) as stop:
        main([*command, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: oap")
    assert " ".join(("oap", *command)) in out


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["standards"],
        ["score"],
        ["frobnicate"],
        ["score", str(EXAMPLE), "--format", "pdf"],
        ["standards", "diff", "national@2025.1"],
    ],
    ids=["no-command", "no-action", "no-files", "unknown-command", "unknown-format", "diff-one-version"],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("usage: oap")
    assert re.fullmatch(r"oap( [a-z]+)*: error: .+", lines[-1]), lines[-1]


@pytest.mark.parametrize(
    "command",
    [[str(Path(sys.executable).parent / "oap")], [sys.executable, "-m", "api"]],
    ids=["oap-script", "python-m-api"],
)
def test_entry_point_runs_as_a_process(command: list[str]) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ("OAP_STANDARDS_DIR", "OAP_DEBUG")}
    done = subprocess.run(
        [*command, "--help"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: oap")
    assert "score" in done.stdout


# ---------------------------------------------------------------------------------------------- streaming


def test_streaming_2000_audits_keeps_count_and_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected: list[tuple[str, Any]] = []  # ("urn", urn and version) or ("line", line number)
    lines: list[Any] = []
    for number in range(1, 2001):
        if number % 250 == 0:
            lines.append(audit(f"{200000 + number}", pupils={"on_roll": -1}))
            expected.append(("line", number))
        elif number % 333 == 0:
            lines.append("{not json")
            expected.append(("line", number))
        else:
            audit_date = "2026-03-01" if number % 2 else "2026-11-01"
            lines.append(
                audit(
                    f"{200000 + number}",
                    audit_date,
                    pupils={"on_roll": 400, "sen_support": number % 50, "ehcp": number % 7},
                    senco={"designated": bool(number % 3), "protected_fte": (number % 10) / 10},
                )
            )
            expected.append(("urn", (f"{200000 + number}", "2025.1" if number % 2 else "2026.1")))
    path = write_ndjson(tmp_path / "many.ndjson", lines)
    code, out, err = run(capsys, "score", str(path), "--format", "ndjson")
    assert code == 1, err  # some lines were invalid
    output = out.splitlines()
    assert len(output) == 2000
    for (kind, want), line in zip(expected, output, strict=True):
        entry = json.loads(line)
        if kind == "line":
            assert entry["line"] == want
            assert entry["errors"]
        else:
            assert (entry["school"]["urn"], entry["standards"]["version"]) == want
    invalid_on_roll = json.loads(output[249])
    assert [error["field"] for error in invalid_on_roll["errors"]] == ["pupils.on_roll"]


def test_validate_does_not_say_a_broken_file_no_longer_exists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A published file that fails to parse still exists: the lock check must not claim otherwise.
    root = copy_standards(tmp_path)
    break_rule(root / "national" / "2026.1.yaml", "senco.time", "met_at_most: 80", "met_at_most: -80")
    code, _, err = run(capsys, "standards", "validate", str(root))
    assert code == 1
    assert "no longer exists" not in err, err
