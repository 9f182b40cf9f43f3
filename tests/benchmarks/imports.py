"""Import benchmark: ``oap import gias`` on 50,000 generated GIAS rows (Windows-1252), as a whole process.

* Speed: wall time of the first import of 50,000 rows into a fresh SQLite database (every school created), then
  of the same file again (every row unchanged), with standard error on a pseudo-terminal so the progress bar is
  drawn as it would be for a person; the bar's redraws are counted to show it was there. With
  ``OAP_TEST_DATABASE_URL`` set, the first import is timed on PostgreSQL too (in a schema of its own).
* Memory: peak resident memory of the first import of 5,000 and of 50,000 rows (the import streams, so the two
  should be about the same).

The rows use the real file's ~135 columns with realistic text in most of them (about 1 KB a row, like the real
~60 MB extract): names with a Windows-1252 apostrophe (’, byte 0x92), every phase and status, one school in
three in one of 2,000 trusts, about 40% closed.
"""

from __future__ import annotations

import csv
import os
import pty
import random
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "imports" / "gias-2025-01.csv"
SPEED_ROWS = 50_000
MEMORY_ROWS = (5_000, 50_000)
PHASES = ("Primary", "Primary", "Primary", "Secondary", "Not applicable", "Nursery", "All-through", "16 plus")
PHASES_RARE = ("Middle deemed primary", "Middle deemed secondary")
STATUSES = ("Open", "Open", "Open", "Closed", "Closed", "Open, but proposed to close", "Proposed to open")
TYPES = ("Community school", "Academy converter", "Academy sponsor led", "Voluntary aided school", "Free schools")
TOWNS = ("Plymouth", "Leeds", "Camden", "Derby", "Blackburn", "Hexham", "Croydon", "Newham", "Bexley", "Redbridge")
SAINTS = ("St Mary’s", "St Cuthbert’s", "St John’s", "Holy Trinity", "Christ Church", "All Saints’")


def header() -> list[str]:
    """The column names of the real file, as in the test fixture."""
    with FIXTURE.open(encoding="cp1252", newline="") as handle:
        return next(csv.reader(handle))


def generate_gias(path: Path, count: int, *, seed: int = 2025) -> Path:
    """A GIAS establishment file of ``count`` rows in Windows-1252."""
    columns = header()
    position = {name: index for index, name in enumerate(columns)}
    rng = random.Random(seed)
    # The columns the importer does not read still hold text (wards, constituencies, dates …), as in the real file.
    fillers = [
        ["" if index % 2 else f"{rng.choice(TOWNS)} ward {rng.randrange(10_000):04d}" for index in range(len(columns))]
        for _ in range(50)
    ]
    with path.open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(columns)
        for number in range(count):
            urn = 100_000 + number
            town = rng.choice(TOWNS)
            phase = rng.choice(PHASES) if number % 50 else rng.choice(PHASES_RARE)
            status = rng.choice(STATUSES)
            name = f"{rng.choice(SAINTS)} {town} {phase.split()[0].title()} School {number}"
            trust = rng.randrange(2_000) if number % 3 == 0 else None
            row = list(fillers[number % len(fillers)])
            values = {
                "URN": str(urn),
                "LA (code)": str(200 + number % 150),
                "LA (name)": town,
                "EstablishmentNumber": str(2000 + number % 8000),
                "EstablishmentName": name,
                "TypeOfEstablishment (name)": rng.choice(TYPES),
                "EstablishmentStatus (name)": status,
                "PhaseOfEducation (name)": phase,
                "NumberOfPupils": str(rng.randrange(10, 2500)) if status != "Closed" else "",
                "Trusts (code)": str(5000 + trust) if trust is not None else "",
                "Trusts (name)": f"THE {town.upper()} LEARNING TRUST {trust}" if trust is not None else "",
                "Street": f"{rng.randrange(1, 300)} School Lane",
                "Town": town,
                "Postcode": f"AB{rng.randrange(1, 99)} {rng.randrange(1, 9)}CD",
                "SchoolWebsite": f"https://www.school{number}.example.sch.uk",
                "HeadFirstName": "Alex",
                "HeadLastName": "O’Neill",
            }
            for column, value in values.items():
                row[position[column]] = value
            writer.writerow(row)
    return path


def _environment(database_url: str) -> dict[str, str]:
    return {**os.environ, "OAP_DATABASE_URL": database_url}


def _migrate(database_url: str) -> None:
    """Bring a new database to the newest schema (in this process: only the import is measured)."""
    from api.storage.db import make_engine
    from api.storage.migrate import upgrade

    engine = make_engine(database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Measurement:
    """One import as a process: wall and CPU seconds, peak resident memory and what it wrote to standard error."""

    seconds: float
    cpu_seconds: float
    peak_kib: int
    stderr: str


def run_import(path: Path, database_url: str, *, terminal: bool = False) -> Measurement:
    """Run ``oap import gias PATH`` as a process of its own and measure it.

    ``close_fds=False`` lets Python use posix_spawn, so the child's peak memory does not count a copy of ours.
    With ``terminal`` its standard error is a pseudo-terminal (so it draws the progress bar), read as it goes.
    """
    command = [sys.executable, "-m", "api", "import", "gias", str(path)]
    chunks: list[bytes] = []
    reader: threading.Thread | None = None
    parent_end = child_end = -1
    if terminal:
        parent_end, child_end = pty.openpty()

        def read() -> None:
            while True:
                try:
                    data = os.read(parent_end, 65536)
                except OSError:  # the child has gone and the terminal is closed
                    return
                if not data:
                    return
                chunks.append(data)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
    error_target: Any = child_end if terminal else subprocess.DEVNULL
    started = time.perf_counter()
    with open(os.devnull, "w") as sink:
        environment = _environment(database_url)
        process = subprocess.Popen(command, stdout=sink, stderr=error_target, env=environment, close_fds=False)
        _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if reader is not None:
        os.close(child_end)
        reader.join(timeout=5)
        os.close(parent_end)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(command)} failed with exit status {code}")
    cpu = usage.ru_utime + usage.ru_stime
    return Measurement(elapsed, cpu, usage.ru_maxrss, b"".join(chunks).decode("utf-8", "replace"))


def _postgres_schema(base_url: str) -> tuple[str, Any]:
    """A URL on a fresh PostgreSQL schema, and a function that drops it."""
    import sqlalchemy as sa

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options=-csearch_path%3D{schema}", drop


def run(workdir: Path) -> dict[str, Any]:
    """Run the import benchmark and return its figures."""
    files = {count: generate_gias(workdir / f"gias-{count}.csv", count) for count in MEMORY_ROWS}
    speed_file = files[SPEED_ROWS]
    database = f"sqlite:///{workdir}/imports-speed.db"
    _migrate(database)
    first = run_import(speed_file, database, terminal=True)
    again = run_import(speed_file, database)
    memory: dict[int, int] = {}
    for count, path in files.items():
        url = f"sqlite:///{workdir}/imports-{count}.db"
        _migrate(url)
        memory[count] = run_import(path, url).peak_kib
    bars = [part.strip() for part in first.stderr.split("\r") if part.startswith("[")]
    figures: dict[str, Any] = {
        "rows": SPEED_ROWS,
        "megabytes": speed_file.stat().st_size / 1e6,
        "first_seconds": first.seconds,
        "first_cpu_seconds": first.cpu_seconds,
        "again_seconds": again.seconds,
        "again_cpu_seconds": again.cpu_seconds,
        "bar_redraws": len(bars),
        "bar_last": bars[-1] if bars else "",
        "peak_kib": memory,
        "memory_ratio": memory[MEMORY_ROWS[1]] / memory[MEMORY_ROWS[0]],
    }
    postgres = os.environ.get("OAP_TEST_DATABASE_URL")
    if postgres:
        url, drop = _postgres_schema(postgres)
        try:
            _migrate(url)
            figures["postgres_seconds"] = run_import(speed_file, url).seconds
            figures["postgres_again_seconds"] = run_import(speed_file, url).seconds
        finally:
            drop()
    return figures


def report(figures: dict[str, Any]) -> str:
    """The figures as README-ready lines."""
    small, large = MEMORY_ROWS
    rows = figures["rows"]
    lines = [
        f"- `oap import gias`, {rows:,} generated rows ({figures['megabytes']:.0f} MB, Windows-1252) into a new SQLite "
        f"database: {figures['first_seconds']:.1f} s ({rows / figures['first_seconds']:,.0f} rows/s; "
        f"{figures['first_cpu_seconds']:.1f} s of CPU); the same file again (all unchanged): "
        f"{figures['again_seconds']:.1f} s ({figures['again_cpu_seconds']:.1f} s of CPU).",
    ]
    if "postgres_seconds" in figures:
        lines.append(
            f"- The same on PostgreSQL: {figures['postgres_seconds']:.1f} s; again: "
            f"{figures['postgres_again_seconds']:.1f} s."
        )
    lines.append(
        f"- Peak memory of the import: {figures['peak_kib'][small] / 1024:.0f} MiB for {small:,} rows, "
        f"{figures['peak_kib'][large] / 1024:.0f} MiB for {large:,} rows (×{figures['memory_ratio']:.2f}: "
        "constant memory)."
    )
    lines.append(f"- Progress bar on a terminal: {figures['bar_redraws']} redraws, last `{figures['bar_last']}`.")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    import tempfile

    with tempfile.TemporaryDirectory(prefix="oap-bench-imports-") as folder:
        print(report(run(Path(folder))))
