"""Golden rule cases: every YAML file under tests/cases/ is discovered and run; none is listed by hand.

A case file names a rule and the standards versions its cases run under; each case has a ``note``, an
``audit`` (laid over a minimal valid audit) and a ``want``. A case also runs under every overlay that
inherits the rule unchanged. See tests/cases/README.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from api.contract.validation import validate_audit
from api.engine.scoring import Scorer
from api.rules.catalog import Catalog, load_catalog
from tests.conftest import minimal_audit

CASES_DIR = Path(__file__).parents[1] / "cases"
CASE_KEYS = {"note", "audit", "want", "standards"}
WANT_KEYS = {"status", "measured", "gap", "missing"}


@dataclass(frozen=True)
class Case:
    file: str
    index: int
    rule: str
    ref: str
    note: str
    audit: Mapping[str, Any]
    want: Mapping[str, Any]

    @property
    def id(self) -> str:
        return f"{self.rule}[{self.ref}]#{self.index}"


def inheritors(catalog: Catalog, ref: str, rule_id: str) -> list[str]:
    """Overlays that extend ``ref`` (directly or not) and carry ``rule_id`` unchanged."""
    base_rule = catalog.get(ref).rule(rule_id)
    found = []
    for standards in catalog.all():
        parent = standards.extends
        while parent is not None:
            if parent.ref == ref and base_rule is not None and standards.rule(rule_id) == base_rule:
                found.append(standards.ref)
                break
            parent = parent.extends
    return found


def discover(catalog: Catalog) -> Iterator[Case]:
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(data) <= {"rule", "standards", "cases"}, f"{path.name}: unknown top-level keys"
        for index, case in enumerate(data["cases"]):
            assert set(case) <= CASE_KEYS, f"{path.name} case {index}: unknown keys {set(case) - CASE_KEYS}"
            assert set(case["want"]) <= WANT_KEYS, f"{path.name} case {index}: unknown want keys"
            refs = list(case.get("standards", data["standards"]))
            for ref in list(refs):
                refs += [r for r in inheritors(catalog, ref, data["rule"]) if r not in refs]
            for ref in refs:
                yield Case(path.name, index, data["rule"], ref, case["note"], case["audit"], case["want"])


ALL_CASES = list(discover(load_catalog()))


@pytest.mark.parametrize("case", ALL_CASES, ids=[case.id for case in ALL_CASES])
def test_case(case: Case, catalog: Catalog) -> None:
    standards = catalog.get(case.ref)
    audit = validate_audit(minimal_audit(**case.audit), questions=standards.questions)  # no today: cases may be later
    report = Scorer(standards).score(audit).to_dict()
    results = {result["rule"]: result for result in report["results"]}
    assert case.rule in results, f"{case.rule} is not in {case.ref}"
    result = results[case.rule]
    want = case.want
    assert result["status"] == want["status"], f"{case.file}: {case.note}"
    if "measured" in want:
        assert result["measured"]["value"] == want["measured"], case.note
    if "missing" in want:
        assert result["missing_inputs"] == want["missing"], case.note
    if "gap" in want:
        if want["gap"] is None:
            assert result["gap"] is None, case.note
        else:
            gap = cast(dict[str, Any], result["gap"])
            assert gap is not None, case.note
            for key, value in want["gap"].items():
                if key == "text_contains":
                    assert value in gap["text"], case.note
                else:
                    assert gap[key] == value, f"{case.note}: gap.{key}"
    if want["status"] in ("met", "not_applicable", "not_assessed"):
        assert result["gap"] is None, "only shortfalls carry a gap"


def test_every_rule_of_every_version_has_a_meeting_and_a_failing_case(catalog: Catalog) -> None:
    seen: dict[tuple[str, str], set[str]] = {}
    for case in ALL_CASES:
        seen.setdefault((case.rule, case.ref), set()).add(case.want["status"])
    lacking = []
    for standards in catalog.all():
        for rule in standards.rules:
            statuses = seen.get((rule.id, standards.ref), set())
            if "met" not in statuses or not statuses & {"not_met", "partially_met"}:
                lacking.append(f"{standards.ref} {rule.id}: has {sorted(statuses) or 'no cases'}")
    assert not lacking, "rules without a met and a not-met case:\n" + "\n".join(lacking)


def test_case_files_name_real_rules(catalog: Catalog) -> None:
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert path.stem == data["rule"], f"{path.name} should be named after its rule"
        for ref in data["standards"]:
            assert catalog.get(ref).rule(data["rule"]) is not None, f"{path.name}: {ref} has no {data['rule']}"
