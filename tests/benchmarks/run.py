"""``make bench``: every benchmark, one after another, in one run; prints the figures for the README.

Benchmarks are measurements, never pass/fail tests. ``python -m tests.benchmarks.run [SECTION …]`` runs
only the named sections.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.benchmarks import api, engine, imports, trusts

SECTIONS: dict[str, tuple[Callable[[Path], dict[str, Any]], Callable[[dict[str, Any]], str]]] = {
    "engine": (engine.run, engine.report),
    "api": (api.run, api.report),
    "imports": (imports.run, imports.report),
    "trusts": (trusts.run, trusts.report),
}


def main(argv: list[str]) -> int:
    chosen = argv or list(SECTIONS)
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        print(
            f"unknown benchmark section(s): {', '.join(unknown)}; known: {', '.join(SECTIONS)}",
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="oap-bench-") as folder:
        for name in chosen:
            measure, describe = SECTIONS[name]
            started = time.monotonic()
            print(f"== {name} …", file=sys.stderr, flush=True)
            figures = measure(Path(folder))
            print(describe(figures))
            print(f"   ({name} took {time.monotonic() - started:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
