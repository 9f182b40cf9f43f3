"""Reading the public CSV files row by row: the header, then each data row with its line number, in constant memory.

GIAS files are Windows-1252 (cp1252). Python's cp1252 leaves five bytes undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D);
like browsers (the WHATWG "windows-1252" decoder) we read those as the C1 control characters of Latin-1, so a
GIAS file can never fail to decode. A GIAS file that starts with a UTF-8 byte order mark (re-saved from Excel as
"CSV UTF-8") is read as UTF-8 if it all decodes. The statistics files are read as UTF-8 when the whole file
decodes as UTF-8 (with or without a byte order mark) and as cp1252 otherwise: the file is checked once, in
binary and in constant memory, before any row is read, so a decoding problem can never stop an import halfway.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from api.errors import InputFileError

UTF8_BOM = b"\xef\xbb\xbf"
WINDOWS_1252 = "cp1252"
UTF8 = "utf-8-sig"
_C1_HANDLER = "oap-windows-1252"
_CHUNK = 1 << 20


def _latin1_for_undefined(error: UnicodeError) -> tuple[str, int]:
    """Decode the bytes cp1252 leaves undefined as the Latin-1 characters with the same numbers (as browsers do)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return bytes(error.object[error.start : error.end]).decode("latin-1"), error.end


codecs.register_error(_C1_HANDLER, _latin1_for_undefined)


def decodes_as_utf8(path: Path) -> bool:
    """Whether the whole file is valid UTF-8 (a byte order mark is allowed), checked in 1 MiB chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def choose_encoding(path: Path, *, windows_by_default: bool) -> str:
    """The encoding to read ``path`` with (``UTF8`` or ``WINDOWS_1252``: see the module docstring).

    Raises InputFileError when the file cannot be read.
    """
    try:
        with path.open("rb") as handle:
            start = handle.read(len(UTF8_BOM))
    except OSError as error:
        raise InputFileError(f"{path.name}: cannot be read ({error.strerror})") from error
    if windows_by_default and start != UTF8_BOM:
        return WINDOWS_1252
    return UTF8 if decodes_as_utf8(path) else WINDOWS_1252


def normalise(name: str) -> str:
    """A column name compared loosely: case, underscores and runs of spaces do not matter."""
    return " ".join(name.replace("_", " ").casefold().split())


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: the line it starts on (the header is line 1) and its cells, or why it cannot be read."""

    line: int
    cells: Sequence[str]
    error: str | None = None


class CsvFile:
    """A CSV file open for reading: ``header`` at once, then :meth:`rows`; ``position`` says how far through it is."""

    def __init__(self, path: Path, *, encoding: str, display_name: str | None = None) -> None:
        self.path = path
        self.name = display_name or path.name
        self.encoding = encoding
        try:
            self.size = path.stat().st_size
            self._binary: IO[bytes] = path.open("rb")
        except OSError as error:
            raise InputFileError(f"{self.name}: cannot be read ({error.strerror})") from error
        errors = _C1_HANDLER if encoding == WINDOWS_1252 else "strict"
        self._text = io.TextIOWrapper(self._binary, encoding=encoding, errors=errors, newline="")
        self._reader = csv.reader(self._text)
        self._last_line = 0
        try:
            self.header = self._read_header()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> CsvFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the file."""
        self._text.close()

    @property
    def position(self) -> int:
        """Bytes read so far (in 8 KiB steps), for progress."""
        return self._binary.tell()

    def _read_header(self) -> list[str]:
        for row in self.rows():
            if row.error is not None:
                raise InputFileError(
                    f"{self.name}: the header row (line {row.line}) cannot be read ({row.error}); nothing was imported"
                )
            header = [cell.strip() for cell in row.cells]
            if header and header[0].startswith("ï»¿"):  # a UTF-8 byte order mark read as cp1252
                header[0] = header[0][3:]
            return header
        raise InputFileError(
            f"{self.name}: the file is empty; it needs a header row naming its columns; nothing was imported"
        )

    def rows(self) -> Iterator[Row]:
        """Every non-blank row after the header, with its starting line; a row that cannot be parsed has ``error``."""
        while True:
            start = self._last_line + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as error:
                if self._reader.line_num <= self._last_line:  # the parser cannot move on: stop rather than loop
                    return
                self._last_line = self._reader.line_num
                yield Row(start, (), f"cannot be read as CSV ({error})")
                continue
            self._last_line = self._reader.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            yield Row(start, cells)
