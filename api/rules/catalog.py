"""The catalogue of standards: every set and version under ``standards/``, resolved and verified.

Loading reads every ``<set>/<version>.yaml``, every question file (``<set>/questions/*.yaml``) and every errata
file (``<set>/errata/*.yaml``, :mod:`api.rules.errata`), gives each version its questions (its own question file,
or those of the set it extends), resolves overlays (``extends``), cross-checks every rule, gives each version its
known errors, reads the glossary (:mod:`api.rules.glossary`), and verifies each published file against the lock
file (:mod:`api.rules.lock`), so a published version can never change unnoticed. Any problem in any file stops the
load.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from typing_extensions import TypedDict

from api.contract.questions import QuestionSet, field_specs
from api.errors import StandardsError, StandardsNotFound, StandardsProblem
from api.rules.errata import KnownError, errata_by_version, parse_errata_files
from api.rules.glossary import EMPTY_GLOSSARY, Glossary, load_glossary
from api.rules.loader import ParsedFile, RuleOrigin, check_bands, check_rules, deep_merge, parse_file
from api.rules.lock import LockedFile, add_to_lock
from api.rules.lock import verify_lock as verify_lock_file
from api.rules.question_files import (
    NO_QUESTIONS,
    Asked,
    ParsedQuestions,
    parse_question_files,
    questions_by_version,
    resolve_questions,
)
from api.rules.schema import Band, Basis, Domain, Rule, RuleOff, SourceDocument, Status

STATUTORY_FIXED = frozenset({"basis", "check", "when"})
"""What an overlay may not change of a statutory rule (it may add sources or change its weight and words)."""


def default_root() -> Path:
    """The standards folder: ``OAP_STANDARDS_DIR`` if set, else ``standards/`` beside the package."""
    configured = os.environ.get("OAP_STANDARDS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "standards"


def version_key(version: str) -> tuple[int, int]:
    """Sort key of a version such as '2026.1'."""
    year, number = version.split(".")
    return int(year), int(number)


def split_ref(ref: str) -> tuple[str, str]:
    """'national@2026.1' → ('national', '2026.1'); raises StandardsNotFound on a malformed reference."""
    name, sep, version = ref.partition("@")
    if not sep or not name or not version:
        raise StandardsNotFound(f"'{ref}' is not a standards reference; write it as SET@VERSION, e.g. national@2026.1")
    return name, version


class StandardsIdentity(TypedDict):
    """The standards a report was scored against: set, version, content hash, and those of the set it extends."""

    set: str
    version: str
    sha256: str
    extends: StandardsIdentity | None


class QuestionsIdentity(TypedDict):
    """The question set an audit answered: the standards version (set and version) it was validated by, and the
    sha256 of the file declaring those questions."""

    set: str
    version: str
    sha256: str


@dataclass(frozen=True, slots=True)
class Standards:
    """One resolved standards version: its identity, hash, domains, bands and enabled rules, and its known errors
    (``errata``: those recorded for it, then those of the version it extends for the rules it inherits unchanged)."""

    set: str
    version: str
    title: str
    summary: str
    status: Status
    effective_from: dt.date
    sha256: str
    file: str
    supersedes: str | None
    extends: Standards | None
    sources: Mapping[str, SourceDocument]
    domains: tuple[Domain, ...]
    bands: tuple[Band, ...]
    rules: tuple[Rule, ...]
    switched_off: tuple[RuleOff, ...] = ()
    changed: Mapping[str, str] = field(default_factory=dict)
    questions: QuestionSet = field(default_factory=lambda: NO_QUESTIONS)
    questions_file: str = ""
    questions_sha256: str = ""
    errata: tuple[KnownError, ...] = ()

    @property
    def ref(self) -> str:
        """'set@version'."""
        return f"{self.set}@{self.version}"

    def rule(self, rule_id: str) -> Rule | None:
        """The enabled rule with this id, if any."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None

    def questions_identity(self) -> QuestionsIdentity:
        """The question set an audit validated by this version answered: this version's set and version, and the
        sha256 of the file that declares its questions (a question file, this file, or the file it extends)."""
        return {"set": self.set, "version": self.version, "sha256": self.questions_sha256}

    def identity(self) -> StandardsIdentity:
        """Set, version and hash (and those of the set it extends), as named in every report."""
        extends = self.extends.identity() if self.extends is not None else None
        return {"set": self.set, "version": self.version, "sha256": self.sha256, "extends": extends}


class Catalog:
    """Every loaded standards version, by reference, and the glossary reports use."""

    def __init__(self, versions: Iterable[Standards], glossary: Glossary = EMPTY_GLOSSARY) -> None:
        self._by_ref = {standards.ref: standards for standards in versions}
        self.glossary = glossary

    def __len__(self) -> int:
        return len(self._by_ref)

    def all(self) -> list[Standards]:
        """Every version, by set then version."""
        return sorted(self._by_ref.values(), key=lambda s: (s.set, version_key(s.version)))

    def sets(self) -> list[str]:
        """The set names."""
        return sorted({s.set for s in self._by_ref.values()})

    def get(self, ref: str) -> Standards:
        """The version named 'set@version'; raises StandardsNotFound naming what exists."""
        name, _ = split_ref(ref)
        found = self._by_ref.get(ref)
        if found is None:
            known = ", ".join(s.ref for s in self.all() if s.set == name) or ", ".join(self._by_ref)
            raise StandardsNotFound(f"there is no standards version {ref}; known versions: {known}")
        return found

    def newest(self, set_name: str = "national") -> Standards:
        """The newest version of a set, in effect or not; raises StandardsNotFound when the set has none."""
        candidates = [s for s in self.all() if s.set == set_name]
        if not candidates:
            raise StandardsNotFound(f"there is no '{set_name}' standards set")
        return candidates[-1]

    def for_date(self, on: dt.date, set_name: str = "national") -> Standards:
        """The newest version of a set whose effective_from is on or before ``on``."""
        candidates = [s for s in self.all() if s.set == set_name and s.effective_from <= on]
        if not candidates:
            raise StandardsNotFound(f"no version of the '{set_name}' standards was in effect on {on}")
        return max(candidates, key=lambda s: version_key(s.version))


def _resolve(
    parsed: ParsedFile, resolved: Mapping[str, Standards], own_questions: ParsedQuestions | None
) -> tuple[Standards, list[StandardsProblem]]:
    content = parsed.content
    problems: list[StandardsProblem] = []
    base = resolved[content.extends] if content.extends else None
    base_asked = Asked(base.questions, base.questions_file, base.questions_sha256) if base is not None else None
    asked, found = resolve_questions(parsed, base_asked, own_questions)
    questions = asked.questions
    problems += found
    origins: dict[str, RuleOrigin] = {}
    rules: dict[str, Rule] = {}
    changed: dict[str, str] = {}
    if base is not None:
        for rule in base.rules:
            rules[rule.id] = rule
            origins[rule.id] = RuleOrigin(parsed, ("extends",))
        changed.update(base.changed)
    for index, off in enumerate(content.switch_off):
        if off.rule not in rules:
            problems.append(
                RuleOrigin(parsed, ("switch_off", index)).problem(
                    off.rule, "switches off a rule the base does not have"
                )
            )
        elif rules[off.rule].basis is Basis.statutory:
            message = "an overlay cannot switch off a statutory duty: the law applies whatever a council adopts"
            problems.append(RuleOrigin(parsed, ("switch_off", index, "rule")).problem(off.rule, message))
        else:
            del rules[off.rule]
    for index, change in enumerate(content.change):
        origin = RuleOrigin(parsed, ("change", index, "set"))
        if change.rule not in rules:
            problems.append(
                RuleOrigin(parsed, ("change", index, "rule")).problem(
                    change.rule, "changes a rule the base does not have"
                )
            )
            continue
        if "id" in change.set:
            problems.append(origin.problem(change.rule, "an overlay cannot change a rule's id; add a new rule instead"))
            continue
        guarded = sorted(STATUTORY_FIXED & change.set.keys())
        if rules[change.rule].basis is Basis.statutory and guarded:
            message = f"an overlay cannot change the {' or '.join(guarded)} of a statutory duty: the law sets them"
            problems.append(origin.problem(change.rule, message, guarded[0]))
            continue
        merged = deep_merge(rules[change.rule].model_dump(mode="python", exclude_defaults=True), change.set)
        merged["overlay_note"] = f"Changed by {content.set}@{content.version}: {change.reason}"
        try:
            rules[change.rule] = Rule.model_validate(merged)
        except ValidationError as error:
            for item in error.errors(include_url=False):
                loc = ".".join(str(p) for p in item["loc"])
                problems.append(origin.problem(change.rule, f"{loc}: {item['msg']}", *item["loc"]))
            continue
        origins[change.rule] = origin
        changed[change.rule] = change.reason
    for index, rule in enumerate(content.rules):
        origin = RuleOrigin(parsed, ("rules", index))
        if rule.id in rules:
            problems.append(origin.problem(rule.id, "duplicate rule id", "id"))
            continue
        rules[rule.id] = rule
        origins[rule.id] = origin
    sources = dict(base.sources) if base is not None else {}
    for source in content.sources:
        sources[source.id] = source
    domains = content.domains or (base.domains if base is not None else ())
    bands = content.bands or (base.bands if base is not None else ())
    problems += check_bands(parsed)
    # Inherited rules were checked with their own file; only this file's rules (and changes) are checked here,
    # against the version's questions (with none, every field would be unknown: the one problem above says why).
    if questions is not NO_QUESTIONS:
        problems += check_rules(
            ((rule, origins[rule.id]) for rule in rules.values() if origins[rule.id].key[0] != "extends"),
            domains={d.id for d in domains},
            sources=set(sources),
            fields=field_specs(questions),
        )
    standards = Standards(
        set=content.set,
        version=content.version,
        title=content.title,
        summary=content.summary,
        status=content.status,
        effective_from=content.effective_from,
        sha256=parsed.sha256,
        file=parsed.label,
        supersedes=content.supersedes,
        extends=base,
        sources=sources,
        domains=domains,
        bands=bands,
        rules=tuple(rules.values()),
        switched_off=tuple(content.switch_off) + (base.switched_off if base is not None else ()),
        changed=changed,
        questions=questions,
        questions_file=asked.file,
        questions_sha256=asked.sha256,
    )
    return standards, problems


def _discover(root: Path) -> list[Path]:
    if not root.is_dir():
        raise StandardsError([StandardsProblem(str(root), None, None, "standards folder not found")])
    return sorted(root.glob("*/*.yaml"))


def parse_all(paths: Iterable[Path], root: Path) -> tuple[list[ParsedFile], list[StandardsProblem]]:
    """Parse every file, collecting problems from all of them rather than stopping at the first."""
    parsed: list[ParsedFile] = []
    problems: list[StandardsProblem] = []
    for path in paths:
        try:
            parsed.append(parse_file(path, root=root))
        except StandardsError as error:
            problems.extend(error.problems)
    return parsed, problems


def load_catalog(root: Path | None = None, *, extra: Sequence[Path] = (), verify_lock: bool = True) -> Catalog:
    """Load, resolve and verify every standards file under ``root`` (plus ``extra`` files). Raises StandardsError."""
    root = (root or default_root()).resolve()
    extra_resolved = [path.resolve() for path in extra]
    paths = [p for p in _discover(root) if p.resolve() not in extra_resolved] + extra_resolved
    files, problems = parse_all(paths, root)
    by_ref: dict[str, ParsedFile] = {}
    for parsed in files:
        ref = f"{parsed.content.set}@{parsed.content.version}"
        if ref in by_ref:
            problems.append(StandardsProblem(parsed.label, 1, None, f"{ref} is also defined in {by_ref[ref].label}"))
        by_ref[ref] = parsed
    question_files, question_problems = parse_question_files(root)
    errata_files, errata_problems = parse_errata_files(root)
    problems += question_problems + errata_problems
    questions, found = questions_by_version(question_files, by_ref)
    problems += found
    if verify_lock:
        problems += verify_lock_file(_locked(files, question_files, (e.locked() for e in errata_files)), root)
    resolved: dict[str, Standards] = {}
    pending = dict(by_ref)
    while pending:
        progressed = False
        for ref, parsed in list(pending.items()):
            base_ref = parsed.content.extends
            if base_ref is not None and base_ref not in resolved:
                if base_ref not in by_ref:
                    why = (
                        f"extends {base_ref}, which could not be loaded (see the problems above)"
                        if problems
                        else f"extends unknown {base_ref}"
                    )
                    problems.append(StandardsProblem(parsed.label, parsed.line_of(("extends",)), None, why))
                    del pending[ref]
                    progressed = True
                continue
            standards, found = _resolve(parsed, resolved, questions.get(ref))
            problems += found
            resolved[ref] = standards
            del pending[ref]
            progressed = True
        if not progressed:
            for parsed in pending.values():
                problems.append(
                    StandardsProblem(parsed.label, parsed.line_of(("extends",)), None, "extends form a cycle")
                )
            break
    for standards in resolved.values():
        if standards.supersedes and standards.supersedes not in by_ref:
            parsed = by_ref[standards.ref]
            problems.append(
                StandardsProblem(
                    parsed.label,
                    parsed.line_of(("supersedes",)),
                    None,
                    f"supersedes unknown {standards.supersedes}",
                )
            )
    # Errata are checked against loaded versions: with problems above, a version they name may be missing.
    errata, found = errata_by_version(errata_files, resolved) if not problems else ({}, [])
    glossary, glossary_problems = load_glossary(root)
    problems += found + glossary_problems
    if problems:
        raise StandardsError(problems)
    for ref, standards in resolved.items():  # bases resolve first, so an overlay's base already has its errata
        base = resolved[standards.extends.ref] if standards.extends is not None else None
        resolved[ref] = dataclasses.replace(standards, errata=errata.get(ref, ()), extends=base)
    return Catalog(resolved.values(), glossary)


def write_lock(root: Path | None = None) -> list[str]:
    """Add newly published standards, question and errata files to the lock file, never changing an existing
    entry. Returns the names added; raises StandardsError when a file cannot be read."""
    root = (root or default_root()).resolve()
    files, problems = parse_all(_discover(root), root)
    question_files, question_problems = parse_question_files(root)
    errata_files, errata_problems = parse_errata_files(root)
    if problems or question_problems or errata_problems:
        raise StandardsError(problems + question_problems + errata_problems)
    return add_to_lock(_locked(files, question_files, (e.locked() for e in errata_files)), root)


def _locked(
    files: Iterable[ParsedFile], question_files: Iterable[ParsedQuestions], others: Iterable[LockedFile]
) -> list[LockedFile]:
    standards = [LockedFile(f.path, f.label, f.sha256, f.content.status is Status.published) for f in files]
    published = Status.published
    questions = [LockedFile(q.path, q.label, q.sha256, q.content.status is published) for q in question_files]
    return standards + questions + list(others)
