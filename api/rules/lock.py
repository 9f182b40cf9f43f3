"""The lock file ``standards.lock``: the sha256 of every published standards file and every question file, in
``sha256sum`` format, so that a published file can never change unnoticed (published versions are immutable).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from api.errors import StandardsProblem

LOCK_FILE = "standards.lock"
_HEADER = "# sha256 of every published standards file; published files never change (see README.md).\n"


@dataclass(frozen=True, slots=True)
class LockedFile:
    """A file the lock may list: where it is, how problems name it, the sha256 of its bytes, and whether it is
    published (a draft standards file must not be listed; every question file is published)."""

    path: Path
    label: str
    sha256: str
    published: bool


def read_lock(root: Path) -> dict[str, str]:
    """The lock file as {path relative to ``root``: sha256}; an empty mapping when there is no lock file."""
    path = root / LOCK_FILE
    if not path.exists():
        return {}
    entries: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        digest, _, name = line.partition("  ")
        entries[name.strip()] = digest.strip()
    return entries


def verify_lock(files: Sequence[LockedFile], root: Path) -> list[StandardsProblem]:
    """Every disagreement between the files under ``root`` and the lock: a published file not locked or changed
    since it was locked, a draft that is locked, a locked file that no longer exists."""
    lock = read_lock(root)
    problems = []
    present = set()
    for locked in files:
        if not locked.path.is_relative_to(root):
            continue
        name = locked.path.relative_to(root).as_posix()
        present.add(name)
        if not locked.published:
            if name in lock:
                problems.append(StandardsProblem(locked.label, 1, None, f"is a draft but is listed in {LOCK_FILE}"))
            continue
        digest = lock.get(name)
        if digest is None:
            message = f"is published but not in {LOCK_FILE}; run 'oap standards lock' once it is final"
            problems.append(StandardsProblem(locked.label, 1, None, message))
        elif digest != locked.sha256:
            message = (
                f"is published and has changed since it was locked (sha256 {locked.sha256[:12]}…, "
                f"lock says {digest[:12]}…); published versions are immutable: make a new version instead"
            )
            problems.append(StandardsProblem(locked.label, 1, None, message))
    for name in sorted(set(lock) - present):
        if not (root / name).exists():  # a file that exists but failed to load has its own problems listed
            problems.append(StandardsProblem(LOCK_FILE, None, None, f"lists {name}, which no longer exists"))
    return problems


def add_to_lock(files: Iterable[LockedFile], root: Path) -> list[str]:
    """Add the published files not yet in the lock, never changing an existing entry; returns the names added."""
    lock = read_lock(root)
    added = []
    for locked in sorted(files, key=lambda f: f.path.as_posix()):
        name = locked.path.relative_to(root).as_posix()
        if locked.published and name not in lock:
            lock[name] = locked.sha256
            added.append(name)
    body = "".join(f"{digest}  {name}\n" for name, digest in sorted(lock.items()))
    (root / LOCK_FILE).write_text(_HEADER + body, encoding="utf-8")
    return added


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, as hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
