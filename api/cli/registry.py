"""``oap trusts put`` and ``oap schools put``: create or update the trusts and schools of the registry."""

from __future__ import annotations

import argparse

from pydantic import ValidationError

from api.cli.common import CLI_ADMIN, Commands, database
from api.contract.kinds import is_urn
from api.errors import UsageError
from api.service.schools import (
    SchoolIn,  # the same validation as PUT /v1/schools/{urn}
    put_school,
    put_trust,
)

SCHOOL_OPTIONS = ("name", "phase", "local_authority", "trust_id", "status")
"""The fields of a school that ``oap schools put`` takes as options (``--trust`` sets ``trust_id``)."""


def cmd_trusts_put(args: argparse.Namespace) -> int:
    """Create or update a trust; returns 0."""
    with database() as engine:
        _, created = put_trust(engine=engine, principal=CLI_ADMIN, trust_id=args.trust_id, name=args.name)
    print(("Created" if created else "Updated") + f" trust {args.trust_id}: {args.name}")
    return 0


def cmd_schools_put(args: argparse.Namespace) -> int:
    """Create or update a school and its trust link; returns 0.

    Raises UsageError for a malformed URN or option, NotFound when the trust does not exist.
    """
    if not is_urn(args.urn):
        raise UsageError("URN must be 6 digits")
    try:
        fields = SchoolIn.model_validate({name: getattr(args, name) for name in SCHOOL_OPTIONS}).model_dump()
    except ValidationError as error:
        problems = "; ".join(f"--{'-'.join(map(str, e['loc'])).replace('_', '-')}: {e['msg']}" for e in error.errors())
        raise UsageError(problems) from None
    with database() as engine:
        _, created = put_school(engine=engine, principal=CLI_ADMIN, urn=args.urn, fields=fields)
    print(("Created" if created else "Updated") + f" school {args.urn}: {fields['name']}")
    return 0


def add_commands(commands: Commands) -> None:
    """Add ``oap trusts put`` and ``oap schools put`` to the ``oap`` parser."""
    trusts = commands.add_parser("trusts", help="create or update trusts")
    trust_commands = trusts.add_subparsers(dest="trusts_command", metavar="ACTION", required=True)
    trust_put = trust_commands.add_parser("put", help="create or update a trust")
    trust_put.add_argument("trust_id", metavar="TRUST_ID")
    trust_put.add_argument("--name", required=True)
    trust_put.set_defaults(handler=cmd_trusts_put)

    schools = commands.add_parser("schools", help="create or update schools")
    school_commands = schools.add_subparsers(dest="schools_command", metavar="ACTION", required=True)
    school_put = school_commands.add_parser("put", help="create or update a school and its trust")
    school_put.add_argument("urn", metavar="URN")
    school_put.add_argument("--name", required=True)
    school_put.add_argument("--phase")
    school_put.add_argument("--local-authority")
    school_put.add_argument("--trust", dest="trust_id", metavar="TRUST", help="the trust's id")
    school_put.add_argument("--status", choices=("open", "closed"), default="open")
    school_put.set_defaults(handler=cmd_schools_put)
