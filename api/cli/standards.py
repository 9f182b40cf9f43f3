"""``oap standards``: list, show, validate, compare and lock standards versions."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from api.cli.common import Commands, catalog_of
from api.errors import UsageError
from api.rules.catalog import default_root, load_catalog, write_lock
from api.rules.diff import diff_standards


def cmd_standards_list(args: argparse.Namespace) -> int:
    """Print every standards version (text or JSON); returns 0."""
    catalog = catalog_of(args)
    rows = [
        {
            "ref": s.ref,
            "title": s.title,
            "status": s.status.value,
            "effective_from": s.effective_from.isoformat(),
            "extends": s.extends.ref if s.extends else None,
            "rules": len(s.rules),
            "sha256": s.sha256,
        }
        for s in catalog.all()
    ]
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        extends = f", extends {row['extends']}" if row["extends"] else ""
        print(f"{row['ref']:<26} {row['status']:<9} from {row['effective_from']}  {row['rules']:>3} rules{extends}")
        print(f"{'':<26} {row['title']}")
    return 0


def cmd_standards_show(args: argparse.Namespace) -> int:
    """Print one version's rules and limits, and its known errors; returns 0. Raises StandardsNotFound for an unknown
    version."""
    standards = catalog_of(args).get(args.ref)
    if args.format == "json":
        data = {
            **standards.identity(),
            "title": standards.title,
            "summary": standards.summary,
            "status": standards.status.value,
            "effective_from": standards.effective_from.isoformat(),
            "rules": [rule.model_dump(mode="json", exclude_none=True) for rule in standards.rules],
            "switched_off": [off.model_dump(mode="json") for off in standards.switched_off],
            "errata": [
                {"rule": e.rule, "severity": e.severity.value, "problem": e.problem, "effect": e.effect}
                for e in standards.errata
            ],
        }
        print(json.dumps(data, indent=2))
        return 0
    print(f"{standards.title}\n{standards.ref} · {standards.status.value} · effective from {standards.effective_from}")
    print(f"sha256 {standards.sha256}\n")
    print(standards.summary + "\n")
    for rule in standards.rules:
        limits = {
            k: v for k, v in rule.check.model_dump(mode="json").items() if isinstance(v, int | float) and k != "kind"
        }
        shown = ", ".join(f"{k} {v}" for k, v in limits.items())
        provisional = " (provisional)" if rule.is_provisional else ""
        print(f"{rule.id:<36} {rule.basis.value:<19} w{rule.weight} {rule.check.kind}{provisional} {shown}")
    for off in standards.switched_off:
        print(f"{off.rule:<36} switched off: {off.reason}")
    for error in standards.errata:
        print(f"{error.rule:<36} known error: {error.severity.words} {error.effect}")
    return 0


def cmd_standards_validate(args: argparse.Namespace) -> int:
    """Check every standards file (or one file, or another folder); returns 0. Raises StandardsError, UsageError."""
    target = Path(args.path) if args.path else default_root()
    if target.is_dir():
        catalog = load_catalog(target)
    elif target.is_file():
        catalog = load_catalog(Path(args.standards_dir) if args.standards_dir else None, extra=[target])
    else:
        raise UsageError(f"{target}: no such file or folder")
    rules = sum(len(s.rules) for s in catalog.all())
    print(f"OK: {len(catalog)} standards versions, {rules} rules, all valid")
    return 0


def cmd_standards_diff(args: argparse.Namespace) -> int:
    """Print the rules added, removed and changed between two versions; returns 0. Raises StandardsNotFound."""
    catalog = catalog_of(args)
    diff = diff_standards(catalog.get(args.old), catalog.get(args.new))
    if args.format == "json":
        print(json.dumps(diff, indent=2))
        return 0
    print(f"From {args.old} to {args.new}")
    for entry in diff["added"]:
        print(f"  added    {entry['rule']} ({entry['basis']}): {entry['title']}")
    for entry in diff["removed"]:
        print(f"  removed  {entry['rule']} ({entry['basis']}): {entry['title']}")
    for entry in diff["changed"]:
        print(f"  changed  {entry['rule']}")
        for change in entry["changes"]:
            print(f"             {change['field']}: {json.dumps(change['old'])} -> {json.dumps(change['new'])}")
    if not (diff["added"] or diff["removed"] or diff["changed"]):
        print("  no rule changes")
    return 0


def cmd_standards_lock(args: argparse.Namespace) -> int:
    """Record the sha256 of newly published files in standards.lock; returns 0. Raises StandardsError."""
    root = Path(args.standards_dir) if args.standards_dir else None
    added = write_lock(root)
    print("Locked: " + ", ".join(added) if added else "Nothing new to lock")
    return 0


def add_commands(commands: Commands) -> None:
    """Add ``oap standards …`` to the ``oap`` parser."""
    standards = commands.add_parser("standards", help="list, show, validate, compare and lock standards versions")
    standards_commands = standards.add_subparsers(dest="standards_command", metavar="ACTION", required=True)
    listing = standards_commands.add_parser("list", help="every standards version")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.set_defaults(handler=cmd_standards_list)
    show = standards_commands.add_parser("show", help="one version's rules and limits")
    show.add_argument("ref", metavar="SET@VERSION", help="for example national@2026.1")
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.set_defaults(handler=cmd_standards_show)
    validate = standards_commands.add_parser(
        "validate", help="check every standards file (or one file, or another folder) strictly"
    )
    validate.add_argument("path", nargs="?", metavar="PATH", help="a standards folder or one file (default: all)")
    validate.set_defaults(handler=cmd_standards_validate)
    diff = standards_commands.add_parser("diff", help="rules added, removed and changed between two versions")
    diff.add_argument("old", metavar="SET@A")
    diff.add_argument("new", metavar="SET@B")
    diff.add_argument("--format", choices=("text", "json"), default="text")
    diff.set_defaults(handler=cmd_standards_diff)
    lock = standards_commands.add_parser(
        "lock", help="record the sha256 of newly published files in standards.lock (never changes an entry)"
    )
    lock.set_defaults(handler=cmd_standards_lock)
