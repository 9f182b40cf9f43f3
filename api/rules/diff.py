"""What changed between two standards versions: rules added, removed and changed, with old and new values."""

from __future__ import annotations

from typing import Any

from api.rules.catalog import Standards

# What a change to a rule can touch that matters to a school; wording-only edits are reported as 'text'.
COMPARED = (
    "title",
    "domain",
    "basis",
    "provisional",
    "weight",
    "applies_to",
    "when",
    "check",
    "gap",
    "sources",
)


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else key, item, out)
    else:
        out[prefix] = value


def diff_standards(old: Standards, new: Standards) -> dict[str, Any]:
    """Rules added, removed and changed from ``old`` to ``new``; each change lists every field with old and new."""
    old_rules = {rule.id: rule for rule in old.rules}
    new_rules = {rule.id: rule for rule in new.rules}
    changed = []
    for rule_id in sorted(old_rules.keys() & new_rules.keys()):
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        _flatten("", old_rules[rule_id].model_dump(mode="json", include=set(COMPARED)), before)
        _flatten("", new_rules[rule_id].model_dump(mode="json", include=set(COMPARED)), after)
        fields = [
            {"field": key, "old": before.get(key), "new": after.get(key)}
            for key in sorted(before.keys() | after.keys())
            if before.get(key) != after.get(key)
        ]
        if fields:
            changed.append({"rule": rule_id, "changes": fields})
    return {
        "from": old.identity(),
        "to": new.identity(),
        "added": [
            {"rule": rule_id, "title": new_rules[rule_id].title, "basis": new_rules[rule_id].basis.value}
            for rule_id in sorted(new_rules.keys() - old_rules.keys())
        ],
        "removed": [
            {"rule": rule_id, "title": old_rules[rule_id].title, "basis": old_rules[rule_id].basis.value}
            for rule_id in sorted(old_rules.keys() - new_rules.keys())
        ],
        "changed": changed,
    }
