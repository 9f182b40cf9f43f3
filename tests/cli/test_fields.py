"""``oap fields``: the fields of a version's questions (default: the national version in effect today) as text,
JSON or a CSV template header; a statement question's answer takes two CSV columns."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from api.contract.files import csv_columns
from api.service.scoring import current_version
from tests.conftest import loaded_catalog, national_questions, run_oap
from tests.councils import OVERLAY, STATEMENT_QUESTIONS, council_standards

STATEMENT = "classroom.visual_timetables"


def fields(capsys: pytest.CaptureFixture[str], *argv: str, root: str | None = None) -> list[dict[str, object]]:
    """The rows of ``oap fields --format json`` (with the standards under ``root``, when given)."""
    standards_dir = ["--standards-dir", root] if root else []
    code, out, err = run_oap(capsys, *standards_dir, "fields", "--format", "json", *argv)
    assert (code, err) == (0, "")
    rows: list[dict[str, object]] = json.loads(out)
    return rows


def test_without_standards_the_national_version_in_effect_today(capsys: pytest.CaptureFixture[str]) -> None:
    current = loaded_catalog().for_date(dt.date.today(), "national")
    listed = fields(capsys)
    assert listed == fields(capsys, "--standards", current.ref)
    assert [row["field"] for row in listed] == [
        "audit_date",
        "school.urn",
        *(q.id for q in current.questions.questions),
    ]
    assert len(listed) > 50
    labels = {row["field"]: row["label"] for row in listed}
    assert labels["pupils.ehcp"] == "Pupils with an education, health and care (EHC) plan"


def test_before_any_national_version_the_newest_is_listed() -> None:
    catalog = loaded_catalog()
    assert current_version(catalog, dt.date(2000, 1, 1)) is catalog.newest("national")
    assert current_version(catalog, dt.date(2026, 1, 1)).ref == "national@2025.1"


@pytest.mark.parametrize("ref", ["national@2025.1", "national@2026.1", "somerset-example@2026.1"])
def test_a_version_lists_its_questions_limits_and_choices(capsys: pytest.CaptureFixture[str], ref: str) -> None:
    by_field = {row["field"]: row for row in fields(capsys, "--standards", ref)}
    assert by_field["pupils.on_roll"] | {"label": "", "hint": None} == {
        "field": "pupils.on_roll",
        "kind": "whole_number",
        "label": "",
        "hint": None,
        "unit": "pupils",
        "min": 0,
        "max": 10000,
        "choices": [],
        "null_means_none": False,
        "none_label": None,
        "max_length": None,
        "columns": ["pupils.on_roll"],
    }
    plan = by_field["governance.accessibility_plan_reviewed_on"]
    assert (plan["kind"], plan["null_means_none"], plan["none_label"]) == ("date", True, "There is no plan")
    assert by_field["senco.qualification"]["choices"] == ["npq_senco", "nasenco", "none"]
    assert by_field["outcomes.attendance_send_pct"]["kind"] == "percent"


def test_the_text_shows_label_kind_unit_limits_choices_and_none(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_oap(capsys, "fields", "--standards", "national@2026.1")
    assert (code, err) == (0, "")
    lines = out.splitlines()

    def entry(path: str) -> tuple[str, str]:
        index = next(i for i, line in enumerate(lines) if line.split(" ", 1)[0] == path)
        return lines[index].split(None, 1)[1], lines[index + 1].strip()

    assert entry("pupils.on_roll") == ("whole_number, 0 to 10000 pupils", "Pupils on roll")
    assert entry("senco.protected_fte")[0] == "number, 0 to 50 FTE"
    assert entry("outcomes.attendance_send_pct")[0] == "percent, 0 to 100 %"
    assert entry("senco.qualification")[0] == "choice (npq_senco | nasenco | none)"
    assert entry("governance.accessibility_plan_reviewed_on") == (
        'date (YYYY-MM-DD), or null for none ("There is no plan")',
        "When was the accessibility plan last reviewed?",
    )
    assert entry("senco.appointed_on")[0] == "date (YYYY-MM-DD)"
    assert entry("school.name")[0] == "text, at most 200 characters"
    assert entry("audit_date")[0] == "date (YYYY-MM-DD), required"


def test_an_overlay_asks_the_fields_of_its_base_then_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    base = fields(capsys, "--standards", "national@2026.1")
    asked = fields(capsys, "--standards", "somerset-example@2026.1")
    assert asked[: len(base)] == base
    assert [(row["field"], row["kind"]) for row in asked[len(base) :]] == [
        ("practice.visual_supports", "statement"),
        ("practice.pupil_voice", "statement"),
        ("practice.support_plans_pct", "percent"),
    ]


def test_the_csv_header_of_a_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_oap(capsys, "fields", "--format", "csv-header", "--standards", "national@2026.1")
    assert code == 0
    header = out.strip().split(",")
    assert header[:3] == ["audit_date", "school.urn", "school.name"]
    assert header[-1] == "outcomes.parents_met_three_times_pct"
    assert header == csv_columns(national_questions())
    code, default, _ = run_oap(capsys, "fields", "--format", "csv-header")
    assert (code, default) == (0, out)


def test_an_overlay_lists_its_own_questions_and_a_statement_s_two_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(council_standards(tmp_path, questions=STATEMENT_QUESTIONS))
    by_field = {row["field"]: row for row in fields(capsys, "--standards", OVERLAY, root=root)}
    statement = by_field[STATEMENT]
    assert (statement["kind"], statement["label"]) == (
        "statement",
        "Every classroom shows a visual timetable that pupils use",
    )
    assert statement["columns"] == [f"{STATEMENT}.rating", f"{STATEMENT}.evidence"]
    assert statement["choices"] == ["in_place", "partly_in_place", "not_in_place", "not_applicable"]
    assert statement["max_length"] == 500
    assert "pupils.on_roll" in by_field
    assert STATEMENT not in {row["field"] for row in fields(capsys, root=root)}
    code, out, _ = run_oap(capsys, "--standards-dir", root, "fields", "--format", "csv-header", "--standards", OVERLAY)
    assert code == 0
    header = out.strip().split(",")
    at = header.index(f"{STATEMENT}.rating")
    assert header[at : at + 2] == [f"{STATEMENT}.rating", f"{STATEMENT}.evidence"]
    assert STATEMENT not in header
    code, out, _ = run_oap(capsys, "--standards-dir", root, "fields", "--standards", OVERLAY)
    assert code == 0
    assert (
        f"{STATEMENT:<44} statement: rating (in_place | partly_in_place | not_in_place | not_applicable) and "
        f"evidence (at most 500 characters); CSV columns {STATEMENT}.rating and {STATEMENT}.evidence\n"
    ) in out


def test_an_unknown_version_is_one_line_naming_the_known(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_oap(capsys, "fields", "--standards", "national@2099.1")
    assert (code, out) == (1, "")
    assert err == (
        "oap: there is no standards version national@2099.1; known versions: national@2025.1, national@2026.1, "
        "national@2026.2\n"
    )
