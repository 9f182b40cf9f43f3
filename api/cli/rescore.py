"""``oap rescore``: score stored audits against another standards version into new reports (resumable)."""

from __future__ import annotations

import argparse
import sys
import time

from api.cli.common import Commands, database
from api.cli.progress import ProgressBar
from api.config import get_settings
from api.rules.catalog import load_catalog
from api.service.lifecycle.rescore import rescore_audits
from api.service.scoring import ScoringService


def cmd_rescore(args: argparse.Namespace) -> int:
    """Score stored audits against another standards version into new reports (resumable; progress on a terminal).

    Returns 1 when some audits could not be scored (each listed on standard error), else 0. Raises
    StandardsNotFound for an unknown version, NotFound for an unknown trust.
    """
    settings = get_settings()
    scoring = ScoringService(load_catalog(settings.standards_dir))
    started = time.monotonic()
    bar = ProgressBar("audits")

    def progress(done: int, todo: int) -> None:
        bar.update(done, done, todo, of=True, final=done >= todo)

    with database() as engine:
        result = rescore_audits(
            engine=engine, scoring=scoring, standards=args.standards, trust_id=args.trust, progress=progress
        )
    scope = f"trust {args.trust}" if args.trust else "all trusts"
    print(
        f"{result.standards} ({scope}): scored {result.scored:,} audits in {time.monotonic() - started:.1f} s; "
        f"{result.already:,} of {result.audits:,} already had a report"
        + (f"; {result.skipped:,} were scored meanwhile by another run" if result.skipped else "")
    )
    for audit_id, message in result.failures:
        print(f"audit {audit_id} was not scored: {message}", file=sys.stderr)
    if result.failed:
        print(f"{result.failed:,} audits could not be scored (listed above)", file=sys.stderr)
    return 1 if result.failed else 0


def add_commands(commands: Commands) -> None:
    """Add ``oap rescore`` to the ``oap`` parser."""
    rescore = commands.add_parser(
        "rescore", help="score stored audits against another standards version into new reports (resumable)"
    )
    rescore.add_argument("--standards", required=True, metavar="SET@VERSION", help="e.g. national@2026.1")
    rescore_scope = rescore.add_mutually_exclusive_group(required=True)
    rescore_scope.add_argument("--trust", metavar="ID", help="only the audits of this trust's schools")
    rescore_scope.add_argument("--all", action="store_true", help="every stored audit")
    rescore.set_defaults(handler=cmd_rescore)
