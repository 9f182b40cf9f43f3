"""Strict loading of one standards file: YAML with line numbers, typed models, and cross-checks.

A problem is never skipped: every one found is collected into :class:`api.errors.StandardsError`, each
naming the file, the line and (where there is one) the rule id. Checks made here, beyond the types:

* duplicate keys in a mapping and duplicate rule ids;
* rule domains, citation sources and band ids that are not declared;
* audit fields a rule reads that do not exist, or are of the wrong kind for the check;
* gap texts with placeholders the check kind cannot fill, and gap fields the check does not read;
* score bands not starting at 0 or not in ascending order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from api.contract.fields import FieldSpec
from api.contract.kinds import FieldKind
from api.errors import StandardsError, StandardsProblem
from api.rules import check_kinds, schema, types
from api.rules.schema import Rule, StandardsFile

PathKey = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """A standards file read from disk: its typed content, raw data, line map and content hash."""

    path: Path
    label: str
    content: StandardsFile
    raw: Mapping[str, Any]
    lines: Mapping[PathKey, int]
    sha256: str

    def line_of(self, key: PathKey) -> int | None:
        """The line of the deepest known node on ``key``'s path (1-based)."""
        return line_of(self.lines, key)


def line_of(lines: Mapping[PathKey, int], key: PathKey) -> int | None:
    """The line of the deepest node of ``lines`` on ``key``'s path (1-based)."""
    for end in range(len(key), -1, -1):
        line = lines.get(key[:end])
        if line is not None:
            return line
    return None


def _walk(node: yaml.Node, key: PathKey, lines: dict[PathKey, int], duplicates: list[tuple[PathKey, int, str]]) -> None:
    lines.setdefault(key, node.start_mark.line + 1)  # a mapping key's own line wins over its value's
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            name = str(key_node.value)
            if name in seen:
                duplicates.append((key, key_node.start_mark.line + 1, name))
            seen.add(name)
            lines[(*key, name)] = key_node.start_mark.line + 1
            _walk(value_node, (*key, name), lines, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*key, index), lines, duplicates)


def read_yaml(text: str, label: str) -> tuple[Any, dict[PathKey, int]]:
    """Parse YAML safely, returning the data and a map from key path to line; refuses duplicate keys."""
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise StandardsError([StandardsProblem(label, line, None, f"not valid YAML: {error}")]) from error
    lines: dict[PathKey, int] = {}
    duplicates: list[tuple[PathKey, int, str]] = []
    if node is not None:
        _walk(node, (), lines, duplicates)
    if duplicates:
        raise StandardsError(
            [
                StandardsProblem(label, line, _rule_id_at(data, parent), f"duplicate key '{name}'")
                for parent, line, name in duplicates
            ]
        )
    return data, lines


def read_mapping(path: Path, label: str, not_a_mapping: str) -> tuple[bytes, Mapping[str, Any], dict[PathKey, int]]:
    """A YAML file's bytes, its top-level mapping and its line map. Raises StandardsError (named ``label``) when it
    cannot be read, is not UTF-8, is not YAML, has a duplicate key, or is not a mapping (``not_a_mapping``)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise StandardsError([StandardsProblem(label, None, None, f"cannot be read: {error}")]) from error
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise StandardsError([StandardsProblem(label, None, None, "is not UTF-8 text")]) from error
    raw, lines = read_yaml(text, label)
    if not isinstance(raw, Mapping):
        raise StandardsError([StandardsProblem(label, 1, None, not_a_mapping)])
    return data, raw, lines


def _rule_id_at(raw: Any, key: PathKey) -> str | None:
    if len(key) >= 2 and key[0] in ("rules", "change", "switch_off", "questions") and isinstance(key[1], int):
        try:
            entry = raw[key[0]][key[1]]
        except (KeyError, IndexError, TypeError):
            return None
        if isinstance(entry, Mapping):
            value = entry.get("id", entry.get("rule"))
            return str(value) if value is not None else None
    return None


def describe_error(error: Mapping[str, Any]) -> str:
    """One pydantic error of a standards or question file as a plain sentence: the key path and what is wrong."""
    loc = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown key '{error['loc'][-1]}'"
    if kind == "missing":
        return f"'{loc}' is required"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind == "string_type" and error.get("input") is not None:
        message += " (write it in quotes)"
    return f"{loc}: {message}" if loc else message


def _clean_loc(loc: Sequence[Any]) -> PathKey:
    """Drop pydantic's union-tag parts (e.g. 'ratio_at_most', 'function-after[...]') from an error location."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and (part in check_kinds.CHECK_KINDS or "[" in part):
            continue
        out.append(part)
    return tuple(out)


def parse_file(path: Path, *, root: Path | None = None) -> ParsedFile:
    """Read and type-check one standards file. Raises StandardsError listing every problem."""
    label = str(path.relative_to(root)) if root is not None and path.is_relative_to(root) else str(path)
    data, raw, lines = read_mapping(path, label, "must be a mapping of keys (set, version, …)")
    try:
        content = StandardsFile.model_validate(raw)
    except ValidationError as error:
        located: dict[tuple[str | int, ...], StandardsProblem] = {}
        for index, item in enumerate(error.errors(include_url=False)):
            key = _clean_loc(item["loc"])
            subject, inner = "rule", key
            where: tuple[str | int, ...] = (index,)
            if key[:1] == ("questions",):
                # An overlay's question is named by its id, so the message names only the key within it; a limit
                # is an int or a float, so keep one problem per key rather than one per alternative.
                key = tuple(part for part in key if part not in ("int", "float"))
                subject, where, inner = "question", key, key[2:]
            problem = describe_error({**item, "loc": inner})
            located[where] = StandardsProblem(label, line_of(lines, key), _rule_id_at(raw, key), problem, subject)
        raise StandardsError(list(located.values())) from error
    parsed = ParsedFile(path, label, content, raw, lines, hashlib.sha256(data).hexdigest())
    expected = Path(content.set) / f"{content.version}.yaml"
    if root is not None and path.is_relative_to(root) and path.relative_to(root) != expected:
        raise StandardsError([StandardsProblem(label, 1, None, f"set and version say it should be at {expected}")])
    return parsed


@dataclass(frozen=True, slots=True)
class RuleOrigin:
    """Where a rule was written, for error messages about the resolved set."""

    file: ParsedFile
    key: PathKey

    def problem(self, rule: str | None, message: str, *sub: str | int) -> StandardsProblem:
        """A problem located at this rule (or a key below it)."""
        return StandardsProblem(self.file.label, self.file.line_of((*self.key, *sub)), rule, message)


def check_fields(check: check_kinds.Check) -> Iterator[tuple[str, set[FieldKind], tuple[str | int, ...]]]:
    """Each field a check reads, the kinds it may have, and the key below ``check`` it was written at."""
    numeric = {FieldKind.whole_number, FieldKind.number}
    match check:
        case check_kinds.FlagCheck():
            yield check.field, {FieldKind.flag}, ("field",)
        case check_kinds.AtLeastCheck() | check_kinds.AtMostCheck():
            for field in check_kinds.quantity_fields(check.value):
                yield field, numeric, ("value",)
        case check_kinds.RatioCheck():
            for field in check_kinds.quantity_fields(check.numerator):
                yield field, numeric, ("numerator",)
            yield check.denominator, numeric, ("denominator",)
        case check_kinds.ShareCheck():
            yield check.part, numeric, ("part",)
            yield check.whole, numeric, ("whole",)
        case check_kinds.ProvisionCheck():
            yield check.count, {FieldKind.whole_number}, ("count",)
            yield check.roll, {FieldKind.whole_number}, ("roll",)
            if check.sites is not None:
                yield check.sites, {FieldKind.whole_number}, ("sites",)
        case check_kinds.DatedWithinCheck():
            yield check.field, {FieldKind.date}, ("field",)
        case check_kinds.ChoiceCheck():
            yield check.field, {FieldKind.choice}, ("field",)
        case check_kinds.AllFlagsCheck():
            for index, item in enumerate(check.fields):
                yield item.field, {FieldKind.flag}, ("fields", index, "field")
        case check_kinds.StatementCheck():
            yield check.field, {FieldKind.statement}, ("field",)
        case check_kinds.QualificationCheck():
            yield check.qualification, {FieldKind.choice}, ("qualification",)
            yield check.started_on, {FieldKind.date}, ("started_on",)
            yield check.completed_on, {FieldKind.date}, ("completed_on",)
            yield check.appointed_on, {FieldKind.date}, ("appointed_on",)
            yield check.prior_months, {FieldKind.whole_number}, ("prior_months",)


_NUMBERS = (FieldKind.whole_number, FieldKind.number)


def _condition_problems(
    rule_id: str, origin: RuleOrigin, index: int, condition: schema.Condition, fields: Mapping[str, FieldSpec]
) -> list[StandardsProblem]:
    """The problems of one ``when`` condition: a field that is not a question, a band on something not a number,
    an equality on something not a yes/no or a choice."""
    problems = []
    for path in condition.fields:
        spec = fields.get(path)
        if spec is None:
            problems.append(origin.problem(rule_id, f"condition reads unknown audit field '{path}'", "when", index))
        elif condition.banded and spec.kind not in _NUMBERS:
            message = f"condition on '{path}' bands a number, but it is a {spec.kind.value}"
            problems.append(origin.problem(rule_id, message, "when", index))
        elif not condition.banded and (
            spec.kind not in (FieldKind.flag, FieldKind.choice)
            or (spec.kind is FieldKind.flag and not isinstance(condition.equals, bool))
        ):
            message = f"condition on '{path}' must compare a yes/no or a choice"
            problems.append(origin.problem(rule_id, message, "when", index))
    return problems


def check_rules(
    rules: Iterable[tuple[Rule, RuleOrigin]],
    *,
    domains: set[str],
    sources: set[str],
    fields: Mapping[str, FieldSpec],
) -> list[StandardsProblem]:
    """Cross-check resolved rules against the fields of the version's questions (``fields``, by dotted path), the
    domains and the sources; returns every problem, located at its rule."""
    problems: list[StandardsProblem] = []
    seen: dict[str, RuleOrigin] = {}
    for rule, origin in rules:
        if rule.id in seen:
            problems.append(origin.problem(rule.id, f"duplicate rule id (also at {seen[rule.id].file.label})", "id"))
        seen[rule.id] = origin
        if rule.domain not in domains:
            problems.append(origin.problem(rule.id, f"unknown domain '{rule.domain}'", "domain"))
        if not rule.id.startswith(rule.domain + "."):
            problems.append(origin.problem(rule.id, f"rule id must start with its domain '{rule.domain}.'", "id"))
        for index, citation in enumerate(rule.sources):
            if citation.source not in sources:
                problems.append(origin.problem(rule.id, f"cites unknown source '{citation.source}'", "sources", index))
        read: set[str] = set()
        for field, kinds, sub in check_fields(rule.check):
            read.add(field)
            spec = fields.get(field)
            if spec is None:
                problems.append(origin.problem(rule.id, f"reads unknown audit field '{field}'", "check", *sub))
            elif spec.kind not in kinds:
                wanted = " or ".join(sorted(kind.value for kind in kinds))
                problems.append(
                    origin.problem(
                        rule.id,
                        f"audit field '{field}' is a {spec.kind.value}, this check needs a {wanted}",
                        "check",
                        *sub,
                    )
                )
        if isinstance(rule.check, check_kinds.ChoiceCheck) and rule.check.field in fields:
            allowed = set(fields[rule.check.field].choices)
            for part in ("met", "partially_met"):
                for index, answer in enumerate(getattr(rule.check, part)):
                    if answer not in allowed:
                        problems.append(
                            origin.problem(
                                rule.id,
                                f"'{answer}' is not an answer of {rule.check.field}",
                                "check",
                                part,
                                index,
                            )
                        )
        if isinstance(rule.check, check_kinds.QualificationCheck) and rule.check.qualification in fields:
            allowed = set(fields[rule.check.qualification].choices)
            for index, entry in enumerate(rule.check.accepted):
                if entry.value not in allowed:
                    problems.append(
                        origin.problem(
                            rule.id,
                            f"'{entry.value}' is not an answer of {rule.check.qualification}",
                            "check",
                            "accepted",
                            index,
                        )
                    )
        if rule.reference is not None and rule.reference.source not in sources:
            message = f"reference cites unknown source '{rule.reference.source}'"
            problems.append(origin.problem(rule.id, message, "reference", "source"))
        for index, condition in enumerate(rule.when):
            problems += _condition_problems(rule.id, origin, index, condition, fields)
        if rule.gap.field is not None and rule.gap.field not in read:
            problems.append(
                origin.problem(rule.id, f"gap field '{rule.gap.field}' is not read by the check", "gap", "field")
            )
        if rule.gap.when_none is not None and not isinstance(rule.check, check_kinds.RatioCheck):
            problems.append(
                origin.problem(rule.id, "gap.when_none is only for ratio_at_most checks", "gap", "when_none")
            )
        needs_evidence = isinstance(rule.check, check_kinds.StatementCheck) and rule.check.evidence_required
        if needs_evidence and rule.gap.no_evidence is None:
            message = "a statement that requires evidence needs gap.no_evidence: the words when none is given"
            problems.append(origin.problem(rule.id, message, "gap"))
        if rule.gap.no_evidence is not None and not needs_evidence:
            message = "gap.no_evidence is only for statement checks with evidence_required: true"
            problems.append(origin.problem(rule.id, message, "gap", "no_evidence"))
        allowed_names = check_kinds.PLACEHOLDERS[rule.check.kind]
        for part in ("partially_met", "not_met", "when_none", "no_evidence"):
            text = getattr(rule.gap, part) or ""
            if "{" in types.PLACEHOLDER.sub("", text) or "}" in types.PLACEHOLDER.sub("", text):
                problems.append(
                    origin.problem(rule.id, "gap text may use braces only for {name} placeholders", "gap", part)
                )
                continue
            unknown = schema.placeholders_in(text) - allowed_names
            if unknown:
                names = ", ".join(sorted("{" + name + "}" for name in unknown))
                problems.append(
                    origin.problem(
                        rule.id,
                        f"gap text uses {names}, which a {rule.check.kind} check cannot fill",
                        "gap",
                        part,
                    )
                )
    return problems


def check_bands(parsed: ParsedFile) -> list[StandardsProblem]:
    """Bands must start at 0 and rise strictly."""
    bands = parsed.content.bands
    problems: list[StandardsProblem] = []
    if bands and bands[0].min_score != 0:
        problems.append(
            StandardsProblem(parsed.label, parsed.line_of(("bands", 0)), None, "the first band must start at 0")
        )
    for index in range(1, len(bands)):
        if bands[index].min_score <= bands[index - 1].min_score:
            problems.append(
                StandardsProblem(
                    parsed.label,
                    parsed.line_of(("bands", index)),
                    None,
                    "bands must be in ascending order of min_score",
                )
            )
    return problems


def deep_merge(base: Mapping[str, Any], change: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``change`` laid over it; nested mappings merge, everything else is replaced."""
    merged = dict(base)
    for key, value in change.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
