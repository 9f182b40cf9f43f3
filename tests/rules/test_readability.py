"""The readability metalint: every standards version but the grandfathered ones writes plain English (each message
part and gap text at most grade 9, the version's mean Reading Ease at least 65), gives each statement rule a basis
and a source, and names the reference point of every provisional limit. See :mod:`tests.rules.readability`.

The lint is parametrised over the versions it checks. While every version is grandfathered it collects one check,
that the grandfathered list is still true, so it never passes by checking nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from api.rules.catalog import Catalog, load_catalog
from api.rules.schema import Status
from tests.conftest import loaded_catalog
from tests.rules.readability import GRADE_AT_MOST, grade, lint

GRANDFATHERED = {
    "national@2025.1": "published before this lint and immutable: its known errors are in errata, not edits",
    "national@2026.1": "published before this lint and immutable: its known errors are in errata, not edits",
    "somerset-example@2026.1": "the worked council overlay the content review measured, written before this lint",
}
"""Versions the lint skips, with the reason. A new version (national@2026.2 and after) is never added here."""
CATALOG = loaded_catalog()
CHECKED = [standards.ref for standards in CATALOG.all() if standards.ref not in GRANDFATHERED]


def assert_readable(catalog: Catalog, ref: str) -> None:
    """Fail, listing every problem, when the version ``ref`` breaks the lint."""
    problems = lint(catalog.get(ref))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("ref", CHECKED or [pytest.param(None, id="every-version-is-grandfathered")])
def test_a_version_is_plain_english_with_sources_and_reference_points(ref: str | None) -> None:
    if ref is None:
        assert sorted(standards.ref for standards in CATALOG.all()) == sorted(GRANDFATHERED), (
            "nothing to lint only while every version is grandfathered"
        )
        return
    assert_readable(CATALOG, ref)


def test_the_grandfathered_versions_are_as_the_list_says() -> None:
    for ref, reason in GRANDFATHERED.items():
        standards = CATALOG.get(ref)
        if reason.startswith("published"):
            assert standards.status is Status.published, ref
            assert standards.extends is None, ref
        else:
            assert standards.extends is not None, f"{ref} is listed as an overlay"


# --- the lint itself, on a copy of the standards with a draft overlay of its own


OVERLAY = """set: testshire
version: "2027.1"
title: A test overlay
status: draft
effective_from: 2027-09-01
extends: national@2026.1
summary: A draft overlay for testing the lint.
rules:
{rules}"""
RULE = """  - id: senco.{name}
    title: The SENCO meets the head each week
    domain: senco
    basis: {basis}
    weight: 1
    check: {{kind: flag, field: senco.on_slt}}
    gap:
      partially_met: Set a time each week for the SENCO and the head to meet.
      not_met: Set a time each week for the SENCO and the head to meet.
    message:
      missing: The SENCO does not meet the head each week.
      why: {why}
      how: Put a short meeting in both diaries each week.
    sources:
      - {{source: cop-2015, ref: paragraph 6.87}}
    review_by: 2028-08-31
"""
PLAIN = "The head needs to know what the SENCO sees. A short talk each week keeps them both up to date."
UNREADABLE = (
    "Notwithstanding institutional considerations, organisational accountability necessitates comprehensive "
    "interdisciplinary communication, facilitating strategically coordinated educational decision-making."
)


def catalog_with_overlay(tmp_path: Path, *rules: str) -> Catalog:
    """The real standards plus the draft overlay ``testshire@2027.1`` with ``rules``."""
    root = tmp_path / "standards"
    shutil.copytree(Path(__file__).resolve().parents[2] / "standards", root)
    (root / "testshire").mkdir()
    (root / "testshire" / "2027.1.yaml").write_text(OVERLAY.format(rules="".join(rules)), encoding="utf-8")
    return load_catalog(root)


def test_an_unreadable_draft_fails_naming_the_rule_and_its_grade(tmp_path: Path) -> None:
    rules = (
        RULE.format(name="weekly-meeting", basis="guidance", why=PLAIN),
        RULE.format(name="jargon", basis="guidance", why=UNREADABLE),
    )
    catalog = catalog_with_overlay(tmp_path, *rules)
    assert "testshire@2027.1" in [s.ref for s in catalog.all() if s.ref not in GRANDFATHERED]
    level = grade(UNREADABLE)
    assert level > GRADE_AT_MOST
    with pytest.raises(AssertionError) as failed:
        assert_readable(catalog, "testshire@2027.1")
    message = str(failed.value)
    assert f"testshire@2027.1 senco.jargon message.why: Flesch-Kincaid grade {level:.1f}, above 9" in message
    assert "senco.weekly-meeting" not in message


def test_a_plain_draft_passes_and_inherited_rules_are_the_base_s(tmp_path: Path) -> None:
    catalog = catalog_with_overlay(tmp_path, RULE.format(name="weekly-meeting", basis="guidance", why=PLAIN))
    assert lint(catalog.get("testshire@2027.1")) == []
    assert lint(catalog.get("national@2026.1")), "the base's own texts are above the bar, and grandfathered"


def test_a_hard_version_fails_on_its_mean_reading_ease(tmp_path: Path) -> None:
    terse = "Leaders meet weekly."  # grade 5.2, but Reading Ease 62.8: short words are not all it takes
    rule = RULE.format(name="weekly-meeting", basis="guidance", why=terse)
    for text in (
        "Set a time each week for the SENCO and the head to meet.",
        "The SENCO does not meet the head each week.",
        "Put a short meeting in both diaries each week.",
    ):
        rule = rule.replace(text, terse)
    catalog = catalog_with_overlay(tmp_path, rule)
    assert lint(catalog.get("testshire@2027.1")) == ["testshire@2027.1: mean Flesch Reading Ease 62.8, below 65"]


def test_a_provisional_limit_must_name_its_reference_point(tmp_path: Path) -> None:
    catalog = catalog_with_overlay(tmp_path, RULE.format(name="weekly-meeting", basis="provisional", why=PLAIN))
    assert lint(catalog.get("testshire@2027.1")) == [
        "testshire@2027.1 senco.weekly-meeting: has provisional limits but names no reference point "
        "(reference: {text, source, ref})"
    ]
