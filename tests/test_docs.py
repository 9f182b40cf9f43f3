"""The docs are tested: every setting is described and documented, every command is in the README."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from api.cli.main import build_parser
from api.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(parser: argparse.ArgumentParser, prefix: str = "oap") -> list[str]:
    """Every leaf command of the parser, as 'oap standards list'."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += commands(sub, f"{prefix} {name}")
    return found or [prefix]


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_described_and_in_the_readme(name: str) -> None:
    assert Settings.model_fields[name].description, f"setting {name} has no description"
    assert f"OAP_{name.upper()}" in README, f"OAP_{name.upper()} is not documented in README.md"


@pytest.mark.parametrize("command", commands(build_parser()))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"`{command}" in README, f"'{command}' is not documented in README.md"


def test_readme_starts_with_the_two_commands() -> None:
    head = README[:1200]
    assert "make run" in head
    assert "make test" in head


def test_standards_readme_lists_every_check_kind() -> None:
    from api.rules.check_kinds import CHECK_KINDS

    guide = (ROOT / "standards" / "README.md").read_text(encoding="utf-8")
    for kind in CHECK_KINDS:
        assert f"`{kind}`" in guide, f"check kind {kind} is not in standards/README.md"
