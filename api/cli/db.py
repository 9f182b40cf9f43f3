"""``oap db``: migrate the database to the newest schema, and show its revision."""

from __future__ import annotations

import argparse

from api.cli.common import Commands, database
from api.storage.migrate import current_revision, head_revision, upgrade


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Migrate OAP_DATABASE_URL to the newest schema; returns 0. Raises DatabaseUnavailable."""
    with database() as engine:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    print(f"Database at revision {after}" + ("" if before == after else f" (was {before or 'empty'})"))
    return 0


def cmd_db_status(args: argparse.Namespace) -> int:
    """Print the database's schema revision; returns 0 when it is the newest, else 1."""
    with database() as engine:
        current, head = current_revision(engine), head_revision()
    print(f"current {current or 'empty'}, newest {head}" + ("" if current == head else ": run 'oap db upgrade'"))
    return 0 if current == head else 1


def add_commands(commands: Commands) -> None:
    """Add ``oap db …`` to the ``oap`` parser."""
    db = commands.add_parser("db", help="database migrations")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="migrate the database (OAP_DATABASE_URL) to the newest schema").set_defaults(
        handler=cmd_db_upgrade
    )
    db_commands.add_parser("status", help="the schema revision of the database").set_defaults(handler=cmd_db_status)
