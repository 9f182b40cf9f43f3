"""The architecture, kept by a walk over the imports of every module of ``api/``.

The arrows run one way::

    errors, config ─► contract ─► rules ─► engine ─► storage ─► service ─► web, cli ─► __main__
                         └──────► imports (public-data parsers) ───────────┘

Each package may import only the packages listed for it in :data:`ALLOWED` (and itself); no two modules import
each other, directly or round a loop, counting imports made inside functions; nothing imports ``api.web`` or
``api.cli`` but ``api.__main__`` and the CLI's commands that serve the app; no module is over 400 lines and each
says its subject in a docstring; the engine does no I/O; nothing calls eval or exec.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "api"
MAX_LINES = 400
EXEMPT = ("api.storage.migrations",)  # Alembic revisions: generated shape, one per schema change

# Which packages of api each package may import, besides itself. A module of api/ in no package here fails the test.
_BELOW_SERVICE = {"api.errors", "api.config", "api.contract", "api.rules", "api.engine", "api.imports", "api.storage"}
ALLOWED: dict[str, set[str]] = {
    "api": set(),
    "api.errors": set(),
    "api.config": {"api.errors"},
    "api.contract": {"api.errors"},
    "api.rules": {"api.errors", "api.contract"},
    "api.engine": {"api.errors", "api.contract", "api.rules"},
    "api.imports": {"api.errors", "api.contract"},
    "api.storage": {"api.errors", "api.config"},
    "api.service": _BELOW_SERVICE,
    "api.web": {"api", "api.service", *_BELOW_SERVICE} - {"api.imports"},
    # `oap serve` and `oap openapi` build the app: the CLI's only way into the web layer.
    "api.cli": {"api", "api.service", "api.web.app", *_BELOW_SERVICE},
    "api.__main__": {"api.cli"},
}
# Third-party packages a layer must not use: the engine is pure, and only the web layer speaks HTTP.
FORBIDDEN_LIBRARIES: dict[str, tuple[str, ...]] = {
    "api.contract": ("fastapi", "starlette", "sqlmodel", "sqlalchemy"),
    "api.rules": ("fastapi", "starlette", "sqlmodel", "sqlalchemy"),
    "api.engine": ("fastapi", "starlette", "sqlmodel", "sqlalchemy", "yaml", "pathlib", "os"),
    "api.imports": ("fastapi", "starlette", "sqlmodel", "sqlalchemy"),
    "api.storage": ("fastapi", "starlette"),
    "api.service": ("fastapi", "starlette"),
}
IO_CALLS = {"open", "print", "input"}


def module_name(path: Path, root: Path) -> str:
    """``api/web/rest/trusts.py`` → ``api.web.rest.trusts``; a package's ``__init__.py`` → the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path, package: str) -> dict[str, Path]:
    """Every module of ``package`` under ``root`` (the folder holding the package), by dotted name."""
    found = {module_name(path, root): path for path in sorted((root / package).rglob("*.py"))}
    return {name: path for name, path in found.items() if not name.startswith(EXEMPT)}


def imports_of(path: Path, name: str, known: Mapping[str, Path]) -> Iterator[tuple[str, int]]:
    """The modules ``path`` imports (anywhere in it, inside functions too), each with the line of the import.

    ``from a.b import c`` names the module ``a.b.c`` when that is a module, else ``a.b``; relative imports are
    resolved against ``name``.
    """
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield (candidate if candidate in known else base), node.lineno


def import_graph(root: Path, package: str) -> dict[str, dict[str, int]]:
    """``{module: {imported module of the same package: line}}`` over every module of ``package``."""
    known = modules(root, package)
    graph: dict[str, dict[str, int]] = {}
    for name, path in known.items():
        edges: dict[str, int] = {}
        for target, line in imports_of(path, name, known):
            if target in known and target != name:
                edges.setdefault(target, line)
        graph[name] = edges
    return graph


def find_cycles(graph: Mapping[str, Mapping[str, int]]) -> list[list[str]]:
    """Every group of modules that import each other round a loop (Tarjan's strongly connected components of two or
    more modules), each sorted; an empty list when the graph has no cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def layer_of(name: str) -> str | None:
    """The entry of :data:`ALLOWED` a module belongs to: the longest that is its name or a parent of it (``api``
    itself is only the package's ``__init__``)."""
    owners = [layer for layer in ALLOWED if name == layer or (layer != "api" and name.startswith(layer + "."))]
    return max(owners, key=len) if owners else None


def allowed(layer: str, target: str) -> bool:
    """Whether a module of ``layer`` may import ``target`` (a module of api)."""
    if target == layer or target.startswith(layer + "."):
        return True
    return any(target == entry or target.startswith(entry + ".") for entry in ALLOWED[layer] if entry != "api") or (
        "api" in ALLOWED[layer] and target == "api"
    )


def layer_violations(graph: Mapping[str, Mapping[str, int]]) -> list[str]:
    """One line per import that runs against the arrows, or per module that belongs to no layer."""
    problems = []
    for name, edges in sorted(graph.items()):
        layer = layer_of(name)
        if layer is None:
            problems.append(f"{name}: belongs to no layer of ALLOWED (add its package there)")
            continue
        for target, line in sorted(edges.items()):
            if not allowed(layer, target):
                problems.append(f"{name}:{line} imports {target}, against the one-way arrows")
    return problems


GRAPH = import_graph(ROOT, "api")
MODULES = modules(ROOT, "api")


def test_every_module_belongs_to_a_layer_and_imports_run_one_way() -> None:
    assert layer_violations(GRAPH) == []


def test_no_cycles_between_modules() -> None:
    assert find_cycles(GRAPH) == []


def test_only_the_entry_points_import_the_web_layer_or_the_cli() -> None:
    offenders = [
        f"{name} imports {target}"
        for name, edges in GRAPH.items()
        for target in edges
        if target.startswith(("api.web", "api.cli")) and not name.startswith(("api.web", "api.cli", "api.__main__"))
    ]
    assert offenders == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_small_and_says_its_subject(name: str) -> None:
    path = MODULES[name]
    text = path.read_text(encoding="utf-8")
    lines = text.count("\n")
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines; split it by subject (at most {MAX_LINES})"
    docstring = ast.get_docstring(ast.parse(text))
    if path.name != "__init__.py" or text.strip():
        assert docstring, f"{path.relative_to(ROOT)} has no module docstring saying its subject"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_layer_uses_no_forbidden_library(name: str) -> None:
    layer = layer_of(name) or ""
    banned = next((libs for prefix, libs in FORBIDDEN_LIBRARIES.items() if layer.startswith(prefix)), ())
    used = {target for target, _ in imports_of(MODULES[name], name, MODULES)}
    bad = sorted(t for t in used if any(t == lib or t.startswith(lib + ".") for lib in banned))
    assert bad == [], f"{name} imports {bad}"


def test_engine_does_no_io() -> None:
    for name, path in MODULES.items():
        if not name.startswith("api.engine"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in IO_CALLS, f"{name} calls {node.func.id}()"
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "io":
                assert node.attr == "StringIO", f"{name} uses io.{node.attr}: the engine writes only to strings"


def undocumented(tree: ast.Module) -> Iterator[str]:
    """The public functions, classes and methods of a module that have no docstring."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and not node.name.startswith("_"):
            if not ast.get_docstring(node):
                yield node.name
            if isinstance(node, ast.ClassDef):
                for member in node.body:
                    if not isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) or member.name.startswith("_"):
                        continue
                    if not ast.get_docstring(member):
                        yield f"{node.name}.{member.name}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_public_functions_say_what_they_promise(name: str) -> None:
    missing = list(undocumented(ast.parse(MODULES[name].read_text(encoding="utf-8"))))
    assert missing == [], f"{name}: public definitions without a docstring: {missing}"


def test_no_eval_anywhere() -> None:
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"eval", "exec"}, f"{name} calls {node.func.id}()"


# --- the test of the test: the walk finds what it is meant to find, on a small package made for it.


def write_package(root: Path, files: Mapping[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_cycle_hidden_inside_a_function_is_found(tmp_path: Path) -> None:
    write_package(
        tmp_path,
        {
            "api/__init__.py": "",
            "api/web/__init__.py": "",
            "api/web/problems.py": '"""p"""\nfrom api.web.middleware import request_id\n',
            "api/web/middleware.py": '"""m"""\nrequest_id = 1\n\ndef f():\n    from api.web import problems\n',
            "api/web/app.py": '"""a"""\nfrom api.web.middleware import request_id\n',
        },
    )
    graph = import_graph(tmp_path, "api")
    assert graph["api.web.middleware"] == {"api.web.problems": 5}
    assert find_cycles(graph) == [["api.web.middleware", "api.web.problems"]]


def test_longer_cycle_and_relative_imports_are_found(tmp_path: Path) -> None:
    write_package(
        tmp_path,
        {
            "api/__init__.py": "",
            "api/service/__init__.py": "",
            "api/service/a.py": "from . import b\n",
            "api/service/b.py": "from .c import x\n",
            "api/service/c.py": "import api.service.a\nx = 1\n",
            "api/service/d.py": "from api.service import a\n",
        },
    )
    assert find_cycles(import_graph(tmp_path, "api")) == [["api.service.a", "api.service.b", "api.service.c"]]


def test_the_real_tree_fails_when_a_cycle_is_added(tmp_path: Path) -> None:
    """A copy of api/ with one deliberate back-edge (the engine importing the service layer) fails both checks."""
    for path in PACKAGE.rglob("*.py"):
        target = tmp_path / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    scoring = tmp_path / "api" / "engine" / "scoring.py"
    scoring.write_text(scoring.read_text(encoding="utf-8") + "\n\ndef _back():\n    from api.service import scoring\n")
    graph = import_graph(tmp_path, "api")
    assert any("api.engine.scoring" in group and "api.service.scoring" in group for group in find_cycles(graph))
    assert any(
        line.startswith("api.engine.scoring:") and "api.service.scoring" in line for line in layer_violations(graph)
    )


def test_an_undocumented_public_method_is_reported() -> None:
    tree = ast.parse(
        'class Cache:\n    """c"""\n    def get(self):\n        return 1\n    def _hidden(self):\n        pass\n'
    )
    assert list(undocumented(tree)) == ["Cache.get"]


def test_a_module_outside_every_layer_is_reported(tmp_path: Path) -> None:
    write_package(tmp_path, {"api/__init__.py": "", "api/helpers.py": '"""h"""\n'})
    assert layer_violations(import_graph(tmp_path, "api")) == [
        "api.helpers: belongs to no layer of ALLOWED (add its package there)"
    ]
