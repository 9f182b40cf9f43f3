"""``oap fields``: the contract's fields, or with ``--standards`` the fields of that version's questions."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_oap


def fields(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, object]]:
    code, out, err = run_oap(capsys, "fields", "--format", "json", *argv)
    assert (code, err) == (0, "")
    rows: list[dict[str, object]] = json.loads(out)
    return rows


@pytest.mark.parametrize("ref", ["national@2025.1", "national@2026.1"])
def test_a_published_version_asks_the_fields_of_the_contract(capsys: pytest.CaptureFixture[str], ref: str) -> None:
    def shape(rows: list[dict[str, object]]) -> list[tuple[object, ...]]:
        return [(row["field"], row["kind"], row["choices"], row["null_means_none"]) for row in rows]

    contract = fields(capsys)
    asked = fields(capsys, "--standards", ref)
    assert len(asked) == len(contract) > 50
    assert shape(asked) == shape(contract)
    labels = {row["field"]: row["description"] for row in asked}
    assert labels["pupils.ehcp"] == "Pupils with an education, health and care (EHC) plan"


def test_an_overlay_asks_the_fields_of_its_base_then_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    base = fields(capsys, "--standards", "national@2026.1")
    asked = fields(capsys, "--standards", "somerset-example@2026.1")
    assert asked[: len(base)] == base
    assert [(row["field"], row["kind"]) for row in asked[len(base) :]] == [
        ("practice.visual_supports", "statement"),
        ("practice.pupil_voice", "statement"),
        ("practice.support_plans_pct", "number"),
    ]


def test_the_csv_header_of_a_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_oap(capsys, "fields", "--format", "csv-header", "--standards", "national@2026.1")
    assert code == 0
    header = out.strip().split(",")
    assert header[:3] == ["audit_date", "school.urn", "school.name"]
    assert header[-1] == "outcomes.parents_met_three_times_pct"


def test_an_unknown_version_is_one_line_naming_the_known(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_oap(capsys, "fields", "--standards", "national@2099.1")
    assert (code, out) == (1, "")
    assert err == (
        "oap: there is no standards version national@2099.1; known versions: national@2025.1, national@2026.1\n"
    )
