"""The ``oap`` command: its parser (one module per command group adds its commands) and how errors end it.

Every command has ``--help``. Errors print one plain line on standard error (no traceback unless
``OAP_DEBUG=1``); exit status 0 is success, 1 a problem with the input, 2 a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from api.cli import db, demo, fields, imports, keys, registry, rescore, score, serve, standards
from api.cli.common import Handler
from api.errors import OapError, StandardsError, UsageError


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
    standards.add_commands(commands)
    fields.add_commands(commands)
    score.add_commands(commands)
    serve.add_serve_command(commands)
    db.add_commands(commands)
    keys.add_commands(commands)
    registry.add_commands(commands)
    serve.add_openapi_command(commands)
    demo.add_commands(commands)
    rescore.add_commands(commands)
    imports.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); returns the exit status.

    0 success, 1 a problem with the input (an OapError), 2 a usage error, 70 an internal error, 130 interrupted.
    Raises nothing but SystemExit (argparse's own usage errors and ``--help``), and any error when OAP_DEBUG=1.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except StandardsError as error:
        sys.stderr.write("oap: the standards files are invalid:\n")
        for problem in error.problems:
            sys.stderr.write(f"  {problem}\n")
        return error.exit_code
    except UsageError as error:
        parser.exit(error.exit_code, f"oap: error: {error.message}\n")
    except OapError as error:
        sys.stderr.write(f"oap: {error.message}\n")
        return error.exit_code
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
