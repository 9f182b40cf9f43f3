"""The ``oap import`` commands."""

from __future__ import annotations

from typing import Any


def add_commands(commands: Any) -> None:
    """Add ``oap import …`` to the ``oap`` parser."""
