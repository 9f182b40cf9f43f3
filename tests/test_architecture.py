"""The arrows run one way: audit → rules → engine → service → web/CLI. A walk over the imports keeps it so."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "api"

# For each layer, the modules it must never import (directly).
FORBIDDEN = {
    "api/contract": ("api.rules", "api.engine", "api.service", "api.storage", "api.web", "api.cli"),
    "api/rules": ("api.engine", "api.service", "api.storage", "api.web", "api.cli.main"),
    "api/engine": (
        "api.service",
        "api.storage",
        "api.web",
        "api.cli.main",
        "fastapi",
        "starlette",
        "sqlmodel",
        "sqlalchemy",
        "yaml",
        "pathlib",
        "os",
    ),
    "api/service": ("api.web", "api.cli.main", "fastapi", "starlette"),
    "api/storage": ("api.web", "api.cli.main", "fastapi", "starlette"),
}
# Calls that do I/O; the pure engine makes none.
IO_CALLS = {"open", "print", "input"}


def modules(prefix: str) -> list[Path]:
    path = PACKAGE.parent / prefix
    return [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))


def imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


CHECKS = [(prefix, path) for prefix in FORBIDDEN for path in modules(prefix)]


@pytest.mark.parametrize(("layer", "path"), CHECKS, ids=[str(p.relative_to(PACKAGE.parent)) for _, p in CHECKS])
def test_layer_imports_run_one_way(layer: str, path: Path) -> None:
    names = imported(ast.parse(path.read_text(encoding="utf-8")))
    bad = sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in FORBIDDEN[layer]))
    assert not bad, f"{path.name} imports {bad}, against the one-way arrows"


def test_engine_does_no_io() -> None:
    for path in modules("api/engine"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in IO_CALLS, f"{path.name} calls {node.func.id}()"


def test_no_eval_anywhere() -> None:
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"eval", "exec"}, f"{path} calls {node.func.id}()"
