"""``oap demo``: load a demo trust of real schools with audits, and print demo keys."""

from __future__ import annotations

import argparse

from api.cli.common import Commands, database
from api.config import get_settings
from api.service.demo import seed_demo
from api.storage.migrate import upgrade


def cmd_demo(args: argparse.Namespace) -> int:
    """Migrate the database, load the demo data and print where to look and the new demo keys; returns 0."""
    settings = get_settings()
    with database() as engine:
        upgrade(engine)
        summary = seed_demo(engine=engine, standards_dir=settings.standards_dir)
    base = f"http://{settings.host}:{settings.port}"
    print(f"Demo data: trust {summary.trust_id} with {summary.schools} schools and {summary.audits} audits.")
    print(f"API docs:  {base}/docs")
    print("Demo keys (new each run; use as 'Authorization: Bearer <key>'):")
    for demo_key in summary.keys:
        print(f"  {demo_key.role:<9} {demo_key.scope:<12} {demo_key.key}")
    return 0


def add_commands(commands: Commands) -> None:
    """Add ``oap demo`` to the ``oap`` parser."""
    demo = commands.add_parser("demo", help="load a demo trust of real schools with audits, and print demo keys")
    demo.set_defaults(handler=cmd_demo)
