"""What the ``oap`` commands share: the admin principal they act as, the database and the standards catalogue."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeAlias

from sqlalchemy.engine import Engine

from api.config import get_settings
from api.errors import UsageError
from api.rules.catalog import Catalog, load_catalog
from api.service.access import Principal, Role
from api.storage.db import make_engine
from api.storage.migrate import current_revision, head_revision

CLI_ADMIN = Principal(key_id="cli", role=Role.admin)
"""The principal every command acts as: the command line is run by whoever runs the service."""

Handler = Callable[[argparse.Namespace], int]
"""A command: takes the parsed arguments, returns the exit status."""

Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""The ``oap`` parser's subcommands, which each command module adds its commands to."""


@contextmanager
def database(*, migrated: bool = False) -> Iterator[Engine]:
    """An engine on OAP_DATABASE_URL, disposed (every connection closed) when the command is done.

    With ``migrated``, raises UsageError unless the database is at the newest schema revision.
    """
    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    try:
        if migrated:
            current, newest = current_revision(engine), head_revision()
            if current != newest:
                raise UsageError(
                    f"the database is at revision {current or 'empty'}, not {newest}: run 'oap db upgrade' first"
                )
        yield engine
    finally:
        engine.dispose()


def catalog_of(args: argparse.Namespace) -> Catalog:
    """The standards catalogue of ``--standards-dir`` (default: OAP_STANDARDS_DIR, else the bundled standards/).

    Raises StandardsError when a standards file is broken.
    """
    root = Path(args.standards_dir) if getattr(args, "standards_dir", None) else None
    return load_catalog(root)
