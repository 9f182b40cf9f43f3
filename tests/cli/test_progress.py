"""The one progress bar of ``oap``: drawn on a terminal only, with the share when the total is known."""

from __future__ import annotations

import io

from api.cli.progress import ProgressBar


class FakeTerminal(io.StringIO):
    """Standard error as a terminal."""

    def isatty(self) -> bool:
        return True


def test_progress_bar_is_drawn_on_a_terminal_only() -> None:
    terminal = FakeTerminal()
    progress = ProgressBar("rows", terminal)
    progress.update(2_500, 500, 1_000)
    progress.note("f.csv: line 3: a problem")
    progress.update(2_500, 1, 1, final=True)
    text = terminal.getvalue()
    assert text.startswith("\r[" + "#" * 15 + "." * 15 + "]  50.0% 2,500 rows, ")
    assert "\r\033[Kf.csv: line 3: a problem\n" in text
    assert text.endswith("\n")
    assert "[" + "#" * 30 + "] 100.0% 2,500 rows" in text
    plain = io.StringIO()
    quiet = ProgressBar("rows", plain)
    quiet.update(2_500, 500, 1_000)
    quiet.note("f.csv: line 3: a problem")
    quiet.update(2_500, 1, 1, final=True)
    assert plain.getvalue() == "f.csv: line 3: a problem\n"


def test_progress_bar_shows_no_share_without_a_total_and_a_count_of_the_total_when_asked() -> None:
    terminal = FakeTerminal()
    ProgressBar("audits", terminal).update(1_234, 0, None, final=True)
    assert terminal.getvalue().startswith("\r1,234 audits, ")
    assert terminal.getvalue().endswith("/s\n")
    counted = FakeTerminal()
    ProgressBar("audits", counted).update(3, 3, 4, of=True, final=True)
    assert counted.getvalue().startswith("\r[" + "#" * 22 + "." * 8 + "]  75.0% 3 of 4 audits, ")


def test_progress_bar_redraws_at_most_ten_times_a_second() -> None:
    terminal = FakeTerminal()
    progress = ProgressBar("audits", terminal)
    progress.update(1)
    progress.update(2)
    assert terminal.getvalue().count("\r") == 1
