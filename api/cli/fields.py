"""``oap fields``: the self-audit's fields (dotted path, kind and meaning) as text, JSON or a CSV header; with
``--standards SET@VERSION``, the fields that version's questions make."""

from __future__ import annotations

import argparse
import json

from api.cli.common import Commands, catalog_of
from api.contract.fields import FIELDS
from api.contract.questions import field_specs


def cmd_fields(args: argparse.Namespace) -> int:
    """Print every audit field in ``--format``; returns 0. Raises StandardsNotFound for an unknown ``--standards``."""
    if args.standards is None:
        specs = list(FIELDS.values())
    else:
        specs = list(field_specs(catalog_of(args).get(args.standards).questions).values())
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


def add_commands(commands: Commands) -> None:
    """Add ``oap fields`` to the ``oap`` parser."""
    fields = commands.add_parser("fields", help="the self-audit's fields: dotted path, kind and meaning")
    fields.add_argument(
        "--format",
        choices=("text", "json", "csv-header"),
        default="text",
        help="csv-header prints a CSV template header",
    )
    fields.add_argument(
        "--standards",
        metavar="SET@VERSION",
        help="the fields of this version's questions (default: the audit contract of the service)",
    )
    fields.set_defaults(handler=cmd_fields)
