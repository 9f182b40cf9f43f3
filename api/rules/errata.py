"""Errata: the known errors of standards versions, recorded as locked data beside the versions they correct.

A published standards file never changes, so an error found in one is recorded in an errata file,
``standards/<set>/errata/<name>.yaml``, read as strictly as a question file: unknown keys and duplicate keys are
refused, and every problem names the file, the line and the rule the entry is about. A ``published`` errata file is
locked in ``standards.lock`` like a published standards file (``oap standards lock`` adds it); a ``draft`` may still
change and is never locked.

Each entry names the versions it affects (``set@version``, each of them a version of the folder's set or an overlay
built on one), a rule of each of those versions, a severity, the problem in plain English and its effect on a
report. :func:`errata_by_version` checks the entries against the loaded versions and gives each version its
:class:`KnownError` list. An overlay inherits the known errors of the version it extends for every rule it inherits
unchanged; a rule it changes (its sources or words, say) is its own, and its errors are recorded for it by name.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Protocol

from pydantic import Field, Strict, StringConstraints, ValidationError, field_validator, model_validator

from api.errors import StandardsError, StandardsProblem
from api.rules.loader import PathKey, describe_error, line_of, read_mapping
from api.rules.lock import LockedFile
from api.rules.schema import Rule, Status
from api.rules.types import REF, FrozenModel, RuleId, Text

ERRATA_FOLDER = "errata"
Ref = Annotated[str, Strict(), StringConstraints(pattern=REF)]


class Severity(enum.StrEnum):
    """How an error can mislead a reader of a report, gravest first."""

    wrong_statutory_finding = "wrong_statutory_finding"
    overstated_basis = "overstated_basis"
    wrong_citation = "wrong_citation"
    calibration = "calibration"
    wording = "wording"

    @property
    def words(self) -> str:
        """The severity as a sentence in plain English, as reports show it."""
        return _SEVERITY_WORDS[self]

    @property
    def finding_may_be_wrong(self) -> bool:
        """Whether a finding of the rule (its status, score or gap) may be wrong, rather than only its words or
        sources."""
        return self in (Severity.wrong_statutory_finding, Severity.overstated_basis, Severity.calibration)


_SEVERITY_WORDS = {
    Severity.wrong_statutory_finding: "It may wrongly find that a legal duty is not met.",
    Severity.overstated_basis: "It treats as a legal duty something the law does not require.",
    Severity.wrong_citation: "It cites a source wrongly.",
    Severity.calibration: "It sets a limit or a weight wrongly for some schools.",
    Severity.wording: "Its words are wrong or misleading.",
}


class Erratum(FrozenModel):
    """One known error: the versions it affects, the rule, how grave it is, what is wrong and what a report under
    those versions may show wrongly (both in plain English)."""

    versions: Annotated[tuple[Ref, ...], Field(min_length=1)]
    rule: RuleId
    severity: Severity
    problem: Text
    effect: Text


class ErrataFile(FrozenModel):
    """An errata file: its status (a ``published`` one is locked and needs ``published_on``), the version that
    corrects its errors (``corrected_by``, when it exists) and its entries."""

    status: Status
    published_on: dt.date | None = None
    corrected_by: Ref | None = None
    entries: tuple[Erratum, ...]

    @field_validator("entries")
    @classmethod
    def _some(cls, entries: tuple[Erratum, ...]) -> tuple[Erratum, ...]:
        # Not Field(min_length=1): pydantic would also report a list with one broken entry as too short.
        if not entries:
            raise ValueError("list at least one erratum")
        return entries

    @model_validator(mode="after")
    def _dated_when_published(self) -> ErrataFile:
        if self.status is Status.published and self.published_on is None:
            raise ValueError("a published errata file needs published_on")
        return self


@dataclass(frozen=True, slots=True)
class ParsedErrata:
    """An errata file read from disk: where it is, how problems name it, the set whose folder holds it, its typed
    content, its sha256 and its line map."""

    path: Path
    label: str
    set_name: str
    content: ErrataFile
    sha256: str
    lines: Mapping[PathKey, int]

    def locked(self) -> LockedFile:
        """The file as the lock file sees it (published files must be locked)."""
        return LockedFile(self.path, self.label, self.sha256, self.content.status is Status.published)


@dataclass(frozen=True, slots=True)
class KnownError:
    """One erratum as it affects one version. ``recorded_for`` is the version the errata file names: this version,
    or the one an overlay extends. ``corrected_by``, ``file``, ``status`` and ``published_on`` are the errata
    file's."""

    rule: str
    severity: Severity
    problem: str
    effect: str
    versions: tuple[str, ...]
    recorded_for: str
    corrected_by: str | None
    file: str
    status: Status
    published_on: dt.date | None


class Version(Protocol):
    """What :func:`errata_by_version` reads of a loaded standards version."""

    @property
    def ref(self) -> str:
        """'set@version'."""
        ...

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Its enabled rules."""
        ...

    @property
    def extends(self) -> Version | None:
        """The version an overlay builds on."""
        ...

    @property
    def changed(self) -> Mapping[str, str]:
        """The rules an overlay changed (and why)."""
        ...


def _entry_rule(raw: Any, key: PathKey) -> str | None:
    if len(key) >= 2 and key[0] == "entries" and isinstance(key[1], int):
        try:
            entry = raw["entries"][key[1]]
        except (KeyError, IndexError, TypeError):
            return None
        if isinstance(entry, Mapping) and entry.get("rule") is not None:
            return str(entry["rule"])
    return None


def parse_errata_file(path: Path, *, root: Path) -> ParsedErrata:
    """Read and type-check one errata file under ``root`` (``<set>/errata/<name>.yaml``). Raises StandardsError
    listing every problem with file, line and the rule of the entry it is in."""
    label = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    data, raw, lines = read_mapping(path, label, "must be a mapping with status and entries")
    try:
        content = ErrataFile.model_validate(raw)
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False):
            key: PathKey = tuple(part for part in item["loc"] if not (isinstance(part, str) and "[" in part))
            inner = key[2:] if len(key) >= 2 and key[0] == "entries" else key
            message = describe_error({**item, "loc": inner})
            problems.append(StandardsProblem(label, line_of(lines, key), _entry_rule(raw, key), message))
        raise StandardsError(problems) from None
    set_name = path.relative_to(root).parts[0] if path.is_relative_to(root) else path.parent.parent.name
    return ParsedErrata(path, label, set_name, content, hashlib.sha256(data).hexdigest(), lines)


def parse_errata_files(root: Path) -> tuple[list[ParsedErrata], list[StandardsProblem]]:
    """Every errata file under ``root`` (``<set>/errata/*.yaml``), and the problems of those that fail."""
    parsed: list[ParsedErrata] = []
    problems: list[StandardsProblem] = []
    for path in sorted(root.glob(f"*/{ERRATA_FOLDER}/*.yaml")):
        try:
            parsed.append(parse_errata_file(path, root=root))
        except StandardsError as error:
            problems.extend(error.problems)
    return parsed, problems


def _sets_of(version: Version) -> set[str]:
    """The set of a version and of every version under it (an overlay counts as built on its base's set)."""
    sets: set[str] = set()
    current: Version | None = version
    while current is not None:
        sets.add(current.ref.partition("@")[0])
        current = current.extends
    return sets


def _check_file(parsed: ParsedErrata, versions: Mapping[str, Version]) -> list[StandardsProblem]:
    """The problems of one errata file against the loaded versions: an unknown ``corrected_by``, an entry naming a
    version that does not exist, that is not of the folder's set (or an overlay of it), that lacks the rule, that
    is named twice, or that is the version correcting it."""
    content, label = parsed.content, parsed.label
    problems: list[StandardsProblem] = []
    if content.corrected_by is not None and content.corrected_by not in versions:
        message = f"corrected_by names {content.corrected_by}, which is not a version"
        problems.append(StandardsProblem(label, line_of(parsed.lines, ("corrected_by",)), None, message))
    for index, entry in enumerate(content.entries):
        for place, ref in enumerate(entry.versions):
            line = line_of(parsed.lines, ("entries", index, "versions", place))
            version = versions.get(ref)
            if entry.versions.index(ref) != place:
                problems.append(StandardsProblem(label, line, entry.rule, f"names {ref} twice"))
            elif version is None:
                problems.append(StandardsProblem(label, line, entry.rule, f"names {ref}, which is not a version"))
            elif parsed.set_name not in _sets_of(version):
                message = f"names {ref}, which is neither a version of '{parsed.set_name}' nor an overlay of one"
                problems.append(StandardsProblem(label, line, entry.rule, message))
            elif ref == content.corrected_by:
                message = f"names {ref}, the version that corrects this file's errors"
                problems.append(StandardsProblem(label, line, entry.rule, message))
            elif all(rule.id != entry.rule for rule in version.rules):
                line = line_of(parsed.lines, ("entries", index, "rule"))
                problems.append(StandardsProblem(label, line, entry.rule, f"is not a rule of {ref}"))
    return problems


def errata_by_version(
    files: Sequence[ParsedErrata], versions: Mapping[str, Version]
) -> tuple[dict[str, tuple[KnownError, ...]], list[StandardsProblem]]:
    """The known errors of each version (by ``set@version``; none when it has none), and the problems of the errata
    files against the loaded ``versions`` (see :func:`_check_file`; an entry repeating another's rule, version and
    problem is one too). A version's own errata come first, then those of the versions it extends, for each rule it
    inherits unchanged."""
    problems: list[StandardsProblem] = []
    own: dict[str, list[KnownError]] = {}
    seen: dict[tuple[str, str, str], str] = {}
    for parsed in files:
        found = _check_file(parsed, versions)
        problems += found
        if found:
            continue
        content = parsed.content
        for index, entry in enumerate(content.entries):
            for ref in entry.versions:
                key = (ref, entry.rule, entry.problem)
                if key in seen:
                    line = line_of(parsed.lines, ("entries", index, "problem"))
                    message = f"repeats an erratum of {ref} already recorded in {seen[key]}"
                    problems.append(StandardsProblem(parsed.label, line, entry.rule, message))
                    continue
                seen[key] = parsed.label
                own.setdefault(ref, []).append(_known(parsed, entry, ref))
    return {ref: _inherited(version, own) for ref, version in versions.items()}, problems


def _known(parsed: ParsedErrata, entry: Erratum, ref: str) -> KnownError:
    content = parsed.content
    return KnownError(
        rule=entry.rule,
        severity=entry.severity,
        problem=entry.problem,
        effect=entry.effect,
        versions=entry.versions,
        recorded_for=ref,
        corrected_by=content.corrected_by,
        file=parsed.label,
        status=content.status,
        published_on=content.published_on,
    )


def _inherited(version: Version, own: Mapping[str, Iterable[KnownError]]) -> tuple[KnownError, ...]:
    """A version's own known errors, then those of each version under it for the rules it inherits unchanged."""
    rules = {rule.id for rule in version.rules} - set(version.changed)
    found = list(own.get(version.ref, ()))
    base = version.extends
    while base is not None:
        found += [error for error in own.get(base.ref, ()) if error.rule in rules]
        base = base.extends
    return tuple(found)
