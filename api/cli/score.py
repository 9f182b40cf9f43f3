"""``oap score``: score self-audit files (JSON, YAML, CSV or NDJSON, streamed) and print their gap reports."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from api.cli.common import Commands, catalog_of
from api.cli.progress import ProgressBar
from api.contract.files import QuestionsFor, RawAudit, read_audits
from api.contract.questions import QuestionSet
from api.engine import render
from api.engine.notes import notes_for
from api.engine.report import GapReport
from api.errors import AuditInvalid, InputFileError, StandardsNotFound, UsageError
from api.service.scoring import ScoringService

SCORE_FORMATS = ("text", "json", "ndjson", "markdown", "csv")


def _raw_audits(paths: Sequence[str], questions: QuestionsFor) -> Iterator[tuple[RawAudit, int, int | None]]:
    """Every audit of every file, with bytes read so far and the file's size where known (for progress); a CSV
    row's cells are converted by ``questions`` (given its audit date)."""
    for name in paths:
        if name == "-":
            for raw in read_audits(Path("-"), sys.stdin, questions=questions):
                yield raw, 0, None
            continue
        path = Path(name)
        if path.suffix.lower() in (".ndjson", ".jsonl"):
            yield from _ndjson_with_position(path)
        else:
            for raw in read_audits(path, questions=questions):
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
    """Score every audit of ``args.files`` and print the reports; returns 1 when any audit was invalid, else 0.

    Raises StandardsNotFound for an unknown ``--standards``, InputFileError for an unreadable file and
    UsageError when the input holds no audits.
    """
    service = ScoringService(catalog_of(args))
    if args.standards:
        service.catalog.get(args.standards)  # fail early on an unknown version
    today = dt.date.today()
    out = sys.stdout
    pending: list[str] = []  # NDJSON lines are written in batches: reports are large and many
    fmt = args.format
    invalid = 0
    count = 0
    reports: list[Mapping[str, Any]] = []
    progress = ProgressBar("audits")
    size: int | None = None
    first_csv = True
    ref = args.standards

    def questions(audit_date: str | None) -> QuestionSet:
        """A CSV row is read by the questions of the version it will be validated and scored by."""
        return service.questions_for(audit_date, ref)

    for raw, done, file_size in _raw_audits(args.files, questions):
        count += 1
        size = file_size or None
        progress.update(count, done, size)
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
            notes = notes_for(service.catalog, data)
            out.write(render.to_markdown(data, notes) if fmt == "markdown" else render.to_text(data, notes))
    if pending:
        out.write("\n".join(pending) + "\n")
    progress.update(count, size, size, final=True)
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


def add_commands(commands: Commands) -> None:
    """Add ``oap score`` to the ``oap`` parser."""
    score = commands.add_parser(
        "score",
        help="score self-audits (JSON, YAML, CSV or NDJSON) and print gap reports",
        description="Score self-audits and print their gap reports. NDJSON input is streamed: one report line "
        'per input line, in order; an invalid line gives {"line": N, "errors": [...]} in its place. '
        "A CSV row's cells are read by the questions of the version it is scored against (columns: oap fields "
        "--format csv-header). Exit status 1 when any audit was invalid.",
    )
    score.add_argument("files", nargs="+", metavar="FILE", help="audit files; '-' reads NDJSON from standard input")
    score.add_argument(
        "--standards",
        metavar="SET@VERSION",
        help="default: the newest national version in effect on each audit date",
    )
    score.add_argument("--format", choices=SCORE_FORMATS, default="text")
    score.set_defaults(handler=cmd_score)
