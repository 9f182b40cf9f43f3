"""The real catalogue under standards/: what it holds, how versions are found, and the overlay."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
import yaml

from api.errors import StandardsNotFound
from api.rules.catalog import Catalog, Standards, load_catalog
from api.rules.lock import LOCK_FILE, read_lock
from api.rules.schema import Basis, Rule, Status

STANDARDS = Path(__file__).resolve().parents[2] / "standards"
NATIONAL_2025 = "national@2025.1"
NATIONAL_2026 = "national@2026.1"
OVERLAY = "somerset-example@2026.1"
DOMAINS = {"senco", "ta", "environment", "training", "leadership", "governance", "published", "outcomes"}


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def raw(name: str) -> dict[str, object]:
    """A standards file as plain YAML, read without the loader."""
    data = yaml.safe_load((STANDARDS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def rule_of(standards: Standards, rule_id: str) -> Rule:
    found = standards.rule(rule_id)
    assert found is not None, f"{rule_id} is not in {standards.ref}"
    return found


def all_rules(catalog: Catalog) -> list[tuple[str, Rule]]:
    return [(standards.ref, rule) for standards in catalog.all() for rule in standards.rules]


def rule_words(rule: Rule) -> str:
    """Everything a reader of the rule's result sees, lower-cased."""
    parts = [
        rule.message.missing,
        rule.message.why,
        rule.message.how,
        rule.gap.partially_met,
        rule.gap.not_met,
    ]
    return " ".join(parts).lower()


# ---------------------------------------------------------------- what is there


def test_both_national_versions_and_the_overlay_load(catalog: Catalog) -> None:
    refs = {standards.ref for standards in catalog.all()}
    assert {NATIONAL_2025, NATIONAL_2026, OVERLAY} <= refs
    assert {"national", "somerset-example"} <= set(catalog.sets())
    assert len(catalog) == len(refs)


def test_every_yaml_file_is_in_the_catalogue(catalog: Catalog) -> None:
    files = {path.relative_to(STANDARDS).as_posix() for path in STANDARDS.glob("*/*.yaml")}
    assert files == {standards.file for standards in catalog.all()}


def test_catalogue_sha256_is_the_file_hash(catalog: Catalog) -> None:
    for standards in catalog.all():
        assert standards.sha256 == sha256_of(STANDARDS / standards.file)


def test_lock_file_hashes_match_the_real_files() -> None:
    entries = {}
    for line in (STANDARDS / LOCK_FILE).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split("  ", 1)
            entries[name] = digest
    assert entries == read_lock(STANDARDS)
    published = {
        path.relative_to(STANDARDS).as_posix()
        for path in STANDARDS.glob("*/*.yaml")
        if raw(path.relative_to(STANDARDS).as_posix())["status"] == "published"
    }
    published_data = {  # question files and errata files are locked like standards files once published
        path.relative_to(STANDARDS).as_posix()
        for pattern in ("*/questions/*.yaml", "*/errata/*.yaml")
        for path in STANDARDS.glob(pattern)
        if raw(path.relative_to(STANDARDS).as_posix())["status"] == "published"
    }
    assert {
        "national/2025.1.yaml",
        "national/2026.1.yaml",
        "national/errata/2026-12.yaml",
    } <= published | published_data
    assert set(entries) == published | published_data
    for name, digest in entries.items():
        assert digest == sha256_of(STANDARDS / name), f"{name} does not match {LOCK_FILE}"


def test_status_follows_the_file(catalog: Catalog) -> None:
    assert catalog.get(NATIONAL_2025).status is Status.published
    assert catalog.get(NATIONAL_2026).status is Status.published
    assert catalog.get(OVERLAY).status is Status.draft


def test_national_2026_has_enough_rules_in_every_domain(catalog: Catalog) -> None:
    national = catalog.get(NATIONAL_2026)
    assert len(national.rules) >= 25
    assert {rule.domain for rule in national.rules} >= DOMAINS
    assert {domain.id for domain in national.domains} >= DOMAINS


def test_rule_ids_are_unique_and_start_with_their_domain(catalog: Catalog) -> None:
    for standards in catalog.all():
        ids = [rule.id for rule in standards.rules]
        assert len(ids) == len(set(ids)), standards.ref
        declared = {domain.id for domain in standards.domains}
        for rule in standards.rules:
            assert rule.domain in declared, f"{standards.ref} {rule.id}"
            assert rule.id.startswith(rule.domain + "."), f"{standards.ref} {rule.id}"


def test_every_rule_has_sources_basis_and_a_three_part_message(catalog: Catalog) -> None:
    for ref, rule in all_rules(catalog):
        standards = catalog.get(ref)
        assert rule.sources, f"{ref} {rule.id}"
        for citation in rule.sources:
            assert citation.source in standards.sources, f"{ref} {rule.id} cites {citation.source}"
            assert citation.ref.strip()
        assert isinstance(rule.basis, Basis)
        for part in (rule.message.missing, rule.message.why, rule.message.how):
            assert part.strip(), f"{ref} {rule.id}"
        assert len({rule.message.missing, rule.message.why, rule.message.how}) == 3, f"{ref} {rule.id}"


PROVISIONAL = sorted(
    {
        (standards.ref, rule.id)
        for standards in load_catalog().all()
        for rule in standards.rules
        if rule.provisional or rule.basis in (Basis.provisional, Basis.proposal)
    }
)


def test_there_are_provisional_rules() -> None:
    assert any(rule_id == "senco.time" for _, rule_id in PROVISIONAL)
    assert any(rule_id == "outcomes.attendance-gap" for _, rule_id in PROVISIONAL)


@pytest.mark.parametrize(("ref", "rule_id"), PROVISIONAL, ids=[f"{ref}:{rule}" for ref, rule in PROVISIONAL])
def test_provisional_rules_say_so(catalog: Catalog, ref: str, rule_id: str) -> None:
    rule = rule_of(catalog.get(ref), rule_id)
    assert rule.is_provisional
    words = rule_words(rule)
    assert "provisional" in words or "proposal" in words, (
        f"{ref} {rule_id} (basis {rule.basis.value}, provisional {rule.provisional}) never says it is "
        "provisional or a proposal in its message or gap text"
    )


def test_bands_start_at_zero_and_rise(catalog: Catalog) -> None:
    for standards in catalog.all():
        scores = [band.min_score for band in standards.bands]
        assert scores, standards.ref
        assert scores[0] == 0
        assert scores == sorted(set(scores)), standards.ref


# ---------------------------------------------------------------- finding a version


@pytest.mark.parametrize(
    ("on", "ref"),
    [
        (dt.date(2025, 10, 1), NATIONAL_2025),
        (dt.date(2026, 3, 1), NATIONAL_2025),
        (dt.date(2026, 8, 31), NATIONAL_2025),
        (dt.date(2026, 9, 1), NATIONAL_2026),
        (dt.date(2026, 10, 1), NATIONAL_2026),
        (dt.date(2026, 12, 31), NATIONAL_2026),  # the autumn term of 2026 keeps 2026.1
        (dt.date(2027, 1, 1), "national@2026.2"),
        (dt.date(2030, 1, 1), "national@2026.2"),
    ],
)
def test_for_date_picks_the_version_in_effect(catalog: Catalog, on: dt.date, ref: str) -> None:
    assert catalog.for_date(on).ref == ref


def test_effective_dates_come_from_the_files(catalog: Catalog) -> None:
    for name, ref in (("national/2025.1.yaml", NATIONAL_2025), ("national/2026.1.yaml", NATIONAL_2026)):
        assert catalog.get(ref).effective_from == raw(name)["effective_from"]


@pytest.mark.parametrize("on", [dt.date(2025, 9, 30), dt.date(2020, 1, 1)])
def test_for_date_before_any_version_is_not_found(catalog: Catalog, on: dt.date) -> None:
    with pytest.raises(StandardsNotFound) as caught:
        catalog.for_date(on)
    assert str(on) in str(caught.value)
    assert caught.value.status == 404


def test_for_date_of_an_unknown_set_is_not_found(catalog: Catalog) -> None:
    with pytest.raises(StandardsNotFound):
        catalog.for_date(dt.date(2026, 10, 1), "no-such-set")


def test_for_date_of_the_overlay_set(catalog: Catalog) -> None:
    assert catalog.for_date(dt.date(2026, 10, 1), "somerset-example").ref == OVERLAY


def test_unknown_version_names_the_known_ones(catalog: Catalog) -> None:
    with pytest.raises(StandardsNotFound) as caught:
        catalog.get("national@1999.1")
    message = str(caught.value)
    assert "national@1999.1" in message
    assert NATIONAL_2025 in message
    assert NATIONAL_2026 in message


@pytest.mark.parametrize("ref", ["national", "national@", "@2026.1", "", "national-2026.1"])
def test_malformed_reference_is_not_found(catalog: Catalog, ref: str) -> None:
    with pytest.raises(StandardsNotFound) as caught:
        catalog.get(ref)
    assert "SET@VERSION" in str(caught.value)


@pytest.mark.parametrize("ref", [NATIONAL_2025, NATIONAL_2026, OVERLAY])
def test_get_returns_the_version_asked_for(catalog: Catalog, ref: str) -> None:
    standards = catalog.get(ref)
    assert standards.ref == ref
    assert f"{standards.set}@{standards.version}" == ref


# ---------------------------------------------------------------- the overlay


def test_overlay_inherits_the_national_rules(catalog: Catalog) -> None:
    national = catalog.get(NATIONAL_2026)
    overlay = catalog.get(OVERLAY)
    assert overlay.extends is national
    switched_off = {off.rule for off in overlay.switched_off}
    changed = set(overlay.changed)
    for rule in national.rules:
        if rule.id in switched_off:
            assert overlay.rule(rule.id) is None
        elif rule.id in changed:
            assert overlay.rule(rule.id) != rule
        else:
            assert overlay.rule(rule.id) == rule, rule.id
    own = [rule.id for rule in overlay.rules if national.rule(rule.id) is None]
    assert own == [
        "published.local-offer-link",
        "environment.visual-supports",
        "outcomes.pupil-voice",
        "outcomes.support-plans",
    ]
    assert len(national.rules) - len(switched_off) + len(own) == len(overlay.rules)


def test_overlay_has_its_own_rule(catalog: Catalog) -> None:
    rule = rule_of(catalog.get(OVERLAY), "published.local-offer-link")
    assert rule.domain == "published"
    assert catalog.get(NATIONAL_2026).rule("published.local-offer-link") is None
    assert "somerset-audit" in {citation.source for citation in rule.sources}


def test_overlay_switches_off_the_inclusion_base_with_a_reason(catalog: Catalog) -> None:
    overlay = catalog.get(OVERLAY)
    assert overlay.rule("environment.inclusion-base") is None
    assert catalog.get(NATIONAL_2026).rule("environment.inclusion-base") is not None
    (off,) = [off for off in overlay.switched_off if off.rule == "environment.inclusion-base"]
    assert off.reason.strip()


def test_overlay_changes_the_send_governor_weight(catalog: Catalog) -> None:
    base = rule_of(catalog.get(NATIONAL_2026), "governance.send-governor")
    changed = rule_of(catalog.get(OVERLAY), "governance.send-governor")
    assert base.weight == 3
    assert changed.weight == 4
    assert base.overlay_note is None
    assert changed.overlay_note
    assert OVERLAY in changed.overlay_note
    assert "somerset-governors" in {citation.source for citation in changed.sources}
    assert changed.check == base.check
    assert changed.message == base.message
    assert "governance.send-governor" in catalog.get(OVERLAY).changed


def test_overlay_identity_names_its_hash_and_its_base(catalog: Catalog) -> None:
    identity = catalog.get(OVERLAY).identity()
    assert identity == {
        "set": "somerset-example",
        "version": "2026.1",
        "sha256": sha256_of(STANDARDS / "somerset-example/2026.1.yaml"),
        "extends": {
            "set": "national",
            "version": "2026.1",
            "sha256": sha256_of(STANDARDS / "national/2026.1.yaml"),
            "extends": None,
        },
    }


def test_national_identity_extends_nothing(catalog: Catalog) -> None:
    identity = catalog.get(NATIONAL_2026).identity()
    assert identity["extends"] is None
    assert identity["sha256"] == sha256_of(STANDARDS / "national/2026.1.yaml")


# ---------------------------------------------------------------- 2025.1 against 2026.1


def limits(rule: Rule) -> tuple[object, object]:
    check = rule.check
    return getattr(check, "met_at_most", None), getattr(check, "partially_met_at_most", None)


def test_ta_pupil_ratio_only_in_2025(catalog: Catalog) -> None:
    old = rule_of(catalog.get(NATIONAL_2025), "ta.pupil-ratio")
    assert limits(old) == (30, 40)
    assert catalog.get(NATIONAL_2026).rule("ta.pupil-ratio") is None


def test_ta_sen_ratio_only_in_2026(catalog: Catalog) -> None:
    assert catalog.get(NATIONAL_2025).rule("ta.sen-ratio") is None
    rule_of(catalog.get(NATIONAL_2026), "ta.sen-ratio")


def test_senco_time_limits_tightened(catalog: Catalog) -> None:
    assert limits(rule_of(catalog.get(NATIONAL_2025), "senco.time")) == (100, 150)
    assert limits(rule_of(catalog.get(NATIONAL_2026), "senco.time")) == (80, 120)


def test_inclusion_strategy_is_new_in_2026(catalog: Catalog) -> None:
    assert catalog.get(NATIONAL_2025).rule("leadership.inclusion-strategy") is None
    rule_of(catalog.get(NATIONAL_2026), "leadership.inclusion-strategy")


def test_2026_supersedes_2025(catalog: Catalog) -> None:
    assert catalog.get(NATIONAL_2026).supersedes == NATIONAL_2025
    assert catalog.get(NATIONAL_2025).supersedes is None
