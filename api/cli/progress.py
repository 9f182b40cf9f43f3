"""The one progress bar of ``oap``: a line on standard error redrawn at most ten times a second, on a terminal only."""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 30


class ProgressBar:
    """``[#####.....]  50.0% 2,500 rows, 1,234/s`` on standard error (or ``stream``), only when it is a terminal.

    ``unit`` names what is counted (``audits``, ``rows``). The bar and share show only when the work done and
    the total are known (bytes of a file, audits to score); the count and rate always show.
    """

    def __init__(self, unit: str, stream: TextIO | None = None) -> None:
        self.unit = unit
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.started = time.monotonic()
        self.last = 0.0
        self.shown = False

    def update(
        self, count: int, done: int | None = None, total: int | None = None, *, of: bool = False, final: bool = False
    ) -> None:
        """Redraw with ``count`` things handled (``done`` of ``total`` units of work, e.g. bytes, when known).

        ``of`` shows the count as ``count of total``; ``final`` draws whatever the time and ends the line.
        Raises nothing; does nothing when the stream is not a terminal.
        """
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self.last < 0.1:
            return
        self.last = now
        bar = ""
        if done is not None and total is not None:
            share = done / total if total else 1.0
            filled = int(BAR_WIDTH * share)
            bar = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {100 * share:5.1f}% "
        counted = f"{count:,} of {total:,}" if of and total is not None else f"{count:,}"
        rate = count / max(now - self.started, 1e-6)
        self.stream.write(f"\r{bar}{counted} {self.unit}, {rate:,.0f}/s")
        if final:
            self.stream.write("\n")
        self.stream.flush()
        self.shown = not final

    def note(self, text: str) -> None:
        """Write ``text`` as a line of its own above the bar (on any stream, terminal or not)."""
        if self.shown:
            self.stream.write("\r\033[K")
            self.shown = False
        self.stream.write(text + "\n")
        self.stream.flush()
