"""Columns of the public files: finding them in the header, and reading their cells."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from api.contract.kinds import is_urn
from api.errors import InputFileError
from api.imports.reader import normalise

# Cells that hold no figure: blank, and the symbols DfE statistics use for suppressed, not available, not
# applicable and low-reliability values (x, c, z, u, low, ~, :) and the older SUPP, "." and "..".
NO_FIGURE = frozenset({"", "x", "c", "z", "u", "low", "~", ":", "supp", ".", ".."})


class RowRejected(Exception):
    """A data row that cannot be imported; the message says why, in plain English."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Column:
    """A column the importer reads: its key, the header names it may have (the first is shown in messages)."""

    key: str
    names: tuple[str, ...]
    required: bool = True

    @property
    def title(self) -> str:
        """The column's name as the real file spells it."""
        return self.names[0]


def locate(header: Sequence[str], columns: Sequence[Column], *, file_name: str, what: str) -> dict[str, int]:
    """The position of each column in the header; one InputFileError naming every required column that is missing."""
    positions: dict[str, int] = {}
    for position, name in enumerate(header):
        positions.setdefault(normalise(name), position)
    found: dict[str, int] = {}
    missing: list[str] = []
    for column in columns:
        index = next((positions[n] for n in map(normalise, column.names) if n in positions), None)
        if index is not None:
            found[column.key] = index
        elif column.required:
            missing.append(column.title)
    if missing:
        listed = ", ".join(f"'{name}'" for name in missing)
        plural = "s" if len(missing) > 1 else ""
        raise InputFileError(
            f"{file_name}: the header row has no column{plural} {listed}, which {what} must have "
            "(the first line must be the header row); nothing was imported"
        )
    return found


def cell(cells: Sequence[str], positions: Mapping[str, int], key: str) -> str:
    """The stripped text of one cell ('' when the column is absent)."""
    index = positions.get(key)
    if index is None:
        return ""
    return cells[index].strip()


def is_figure(text: str) -> bool:
    """Whether a cell holds a figure (not blank or a suppression symbol)."""
    return text.casefold() not in NO_FIGURE


def whole_number(text: str, column: str) -> int:
    """A count of 0 or more; raises RowRejected, naming ``column``, for anything else."""
    if not text.isascii() or not text.isdigit():
        raise RowRejected(f"{column} is '{text}', which is not a whole number of 0 or more")
    return int(text)


def decimal_number(text: str, column: str) -> float:
    """A figure of 0 or more that may have decimals (full-time equivalents); raises RowRejected for anything else."""
    try:
        value = float(text)
    except ValueError:
        raise RowRejected(f"{column} is '{text}', which is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise RowRejected(f"{column} is '{text}'; it must be a number of 0 or more")
    return value


def urn_of(text: str, column: str = "URN") -> str:
    """A school's unique reference number: 6 digits; raises RowRejected, naming ``column``, for anything else."""
    if not is_urn(text):
        shown = f"'{text}'" if text else "blank"
        raise RowRejected(f"{column} is {shown}; it must be the school's 6-digit unique reference number")
    return text


class UrnSet:
    """The URNs seen so far, as a bit per possible 6-digit URN: 125 KB whatever the size of the file."""

    def __init__(self) -> None:
        self._bits = bytearray(1_000_000 // 8)

    def add(self, urn: str) -> bool:
        """Record ``urn``; False when it had been seen already."""
        number = int(urn)
        byte, bit = divmod(number, 8)
        if self._bits[byte] >> bit & 1:
            return False
        self._bits[byte] |= 1 << bit
        return True
