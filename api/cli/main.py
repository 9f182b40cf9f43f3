"""The ``oap`` command: standards, scoring (and, in later modules, the service and its data).

Every command has ``--help``. Errors print one plain line on standard error (no traceback unless
``OAP_DEBUG=1``); exit status 0 is success, 1 a problem with the input, 2 a usage error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, TextIO

from api.cli.imports import add_commands as add_import_commands
from api.cli.service import add_commands as add_service_commands
from api.contract.fields import FIELDS
from api.contract.files import RawAudit, read_audits
from api.engine import render
from api.engine.report import GapReport
from api.errors import AuditInvalid, InputFileError, OapError, StandardsError, StandardsNotFound, UsageError
from api.rules.catalog import Catalog, default_root, load_catalog, write_lock
from api.rules.diff import diff_standards
from api.service.scoring import ScoringService

SCORE_FORMATS = ("text", "json", "ndjson", "markdown", "csv")
Handler = Callable[[argparse.Namespace], int]


class Progress:
    """A one-line progress report on standard error, only when it is a terminal."""

    def __init__(self, total_bytes: int | None, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.total = total_bytes
        self.started = time.monotonic()
        self.last = 0.0

    def update(self, count: int, done_bytes: int | None = None, *, final: bool = False) -> None:
        """Redraw at most ten times a second."""
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self.last < 0.1:
            return
        self.last = now
        rate = count / max(now - self.started, 1e-6)
        share = ""
        if self.total and done_bytes is not None:
            filled = int(30 * done_bytes / self.total)
            share = f"[{'#' * filled}{'.' * (30 - filled)}] {100 * done_bytes / self.total:5.1f}% "
        self.stream.write(f"\r{share}{count:,} audits, {rate:,.0f}/s")
        if final:
            self.stream.write("\n")
        self.stream.flush()


def _catalog(args: argparse.Namespace) -> Catalog:
    root = Path(args.standards_dir) if getattr(args, "standards_dir", None) else None
    return load_catalog(root)


# ---------------------------------------------------------------------------------------------- standards


def cmd_standards_list(args: argparse.Namespace) -> int:
    catalog = _catalog(args)
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
    standards = _catalog(args).get(args.ref)
    if args.format == "json":
        data = {
            **standards.identity(),
            "title": standards.title,
            "summary": standards.summary,
            "status": standards.status.value,
            "effective_from": standards.effective_from.isoformat(),
            "rules": [rule.model_dump(mode="json", exclude_none=True) for rule in standards.rules],
            "switched_off": [off.model_dump(mode="json") for off in standards.switched_off],
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
    return 0


def cmd_standards_validate(args: argparse.Namespace) -> int:
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
    catalog = _catalog(args)
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
    root = Path(args.standards_dir) if args.standards_dir else None
    added = write_lock(root)
    print("Locked: " + ", ".join(added) if added else "Nothing new to lock")
    return 0


# ---------------------------------------------------------------------------------------------- score


def _raw_audits(paths: Sequence[str]) -> Iterator[tuple[RawAudit, int, int | None]]:
    """Every audit of every file, with bytes read so far and the file's size where known (for progress)."""
    for name in paths:
        if name == "-":
            for raw in read_audits(Path("-"), sys.stdin):
                yield raw, 0, None
            continue
        path = Path(name)
        if path.suffix.lower() in (".ndjson", ".jsonl"):
            yield from _ndjson_with_position(path)
        else:
            for raw in read_audits(path):
                yield raw, 0, None


def _ndjson_with_position(path: Path) -> Iterator[tuple[RawAudit, int, int | None]]:
    """NDJSON read in binary so progress can show how far through the file it is, in constant memory."""
    try:
        size = path.stat().st_size
        handle: IO[bytes] = path.open("rb")
    except OSError as error:
        raise InputFileError(f"{path}: cannot be read ({error.strerror})") from error
    done = 0
    with handle:
        for number, line in enumerate(handle, start=1):
            done += len(line)
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except UnicodeDecodeError:
                yield RawAudit(str(path), number, error="is not UTF-8 text"), done, size
            except json.JSONDecodeError as error:
                yield (
                    RawAudit(str(path), number, error=f"not valid JSON: {error.msg} at column {error.colno}"),
                    done,
                    size,
                )
            else:
                yield RawAudit(str(path), number, data), done, size


def _score_one(
    service: ScoringService, raw: RawAudit, ref: str | None, today: dt.date
) -> tuple[GapReport | None, list[dict[str, str]]]:
    """One audit's report, or the problems that stop it being scored."""
    if raw.error is not None:
        return None, [{"field": "(line)", "message": raw.error}]
    try:
        return service.validate_and_score(raw.data, ref, today=today), []
    except AuditInvalid as error:
        return None, [problem.as_dict() for problem in error.problems]
    except StandardsNotFound as error:
        return None, [{"field": "audit_date", "message": error.message}]


def cmd_score(args: argparse.Namespace) -> int:
    service = ScoringService(_catalog(args))
    if args.standards:
        service.catalog.get(args.standards)  # fail early on an unknown version
    today = dt.date.today()
    out = sys.stdout
    pending: list[str] = []  # NDJSON lines are written in batches: reports are large and many
    fmt = args.format
    invalid = 0
    count = 0
    reports: list[dict[str, Any]] = []
    progress = Progress(None)
    first_csv = True
    for raw, done, size in _raw_audits(args.files):
        count += 1
        progress.total = size
        progress.update(count, done)
        report, problems = _score_one(service, raw, args.standards, today)
        if report is None:
            invalid += 1
            entry = {"line": raw.position, "source": raw.source, "errors": problems}
            if fmt == "ndjson":
                pending.append(json.dumps(entry, ensure_ascii=False))
            else:
                _print_invalid(entry)
            continue
        if fmt == "ndjson":
            pending.append(report.to_json())
            if len(pending) >= 64:
                out.write("\n".join(pending) + "\n")
                pending.clear()
            continue
        data = report.to_dict()
        if fmt == "csv":
            out.write(render.to_csv([data], header=first_csv))
            first_csv = False
        elif fmt == "json":
            reports.append(data)
        else:
            if count > 1:
                out.write("\n" + "-" * 78 + "\n\n")
            out.write(render.to_markdown(data) if fmt == "markdown" else render.to_text(data))
    if pending:
        out.write("\n".join(pending) + "\n")
    progress.update(count, progress.total, final=True)
    if fmt == "json":
        body: Any = reports[0] if len(reports) == 1 and invalid == 0 else reports
        out.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
    out.flush()
    if count == 0:
        raise UsageError("no audits found in the input")
    return 1 if invalid else 0


def _print_invalid(entry: dict[str, Any]) -> None:
    sys.stderr.write(f"{entry['source']}: audit {entry['line']} is not valid and was not scored:\n")
    for problem in entry["errors"]:
        sys.stderr.write(f"  {problem['field']}: {problem['message']}\n")


# ---------------------------------------------------------------------------------------------- fields


def cmd_fields(args: argparse.Namespace) -> int:
    specs = list(FIELDS.values())
    if args.format == "json":
        rows = [
            {
                "field": spec.path,
                "kind": spec.kind.value,
                "choices": list(spec.choices),
                "null_means_none": spec.nullable,
                "description": spec.description,
            }
            for spec in specs
        ]
        print(json.dumps(rows, indent=2))
    elif args.format == "csv-header":
        print(",".join(spec.path for spec in specs))
    else:
        for spec in specs:
            kind = spec.kind.value + (f" ({' | '.join(spec.choices)})" if spec.choices else "")
            kind += ", or null for none" if spec.nullable else ""
            print(f"{spec.path:<44} {kind}\n{'':<44} {spec.description}")
    return 0


# ---------------------------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """The whole command line (also used by the docs test)."""
    parser = argparse.ArgumentParser(
        prog="oap",
        description="Check a school's self-audit against national inclusion standards for SEND, and report the gaps.",
    )
    parser.add_argument(
        "--standards-dir",
        help="folder of standards files (default: OAP_STANDARDS_DIR, else the bundled standards/)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

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

    fields = commands.add_parser("fields", help="the self-audit's fields: dotted path, kind and meaning")
    fields.add_argument(
        "--format",
        choices=("text", "json", "csv-header"),
        default="text",
        help="csv-header prints a CSV template header",
    )
    fields.set_defaults(handler=cmd_fields)

    score = commands.add_parser(
        "score",
        help="score self-audits (JSON, YAML, CSV or NDJSON) and print gap reports",
        description="Score self-audits and print their gap reports. NDJSON input is streamed: one report line "
        'per input line, in order; an invalid line gives {"line": N, "errors": [...]} in its place. '
        "Exit status 1 when any audit was invalid.",
    )
    score.add_argument("files", nargs="+", metavar="FILE", help="audit files; '-' reads NDJSON from standard input")
    score.add_argument(
        "--standards",
        metavar="SET@VERSION",
        help="default: the newest national version in effect on each audit date",
    )
    score.add_argument("--format", choices=SCORE_FORMATS, default="text")
    score.set_defaults(handler=cmd_score)
    add_service_commands(commands)
    add_import_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except StandardsError as error:
        sys.stderr.write("oap: the standards files are invalid:\n")
        for problem in error.problems:
            sys.stderr.write(f"  {problem}\n")
        return 1
    except UsageError as error:
        parser.exit(2, f"oap: error: {error.message}\n")
    except OapError as error:
        sys.stderr.write(f"oap: {error.message}\n")
        return 1
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        sys.stderr.write("\noap: interrupted\n")
        return 130
    except Exception as error:
        if os.environ.get("OAP_DEBUG") == "1":
            raise
        sys.stderr.write(f"oap: internal error: {type(error).__name__}: {error} (set OAP_DEBUG=1 for details)\n")
        return 70
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
