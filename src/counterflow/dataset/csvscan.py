"""Where in a CSV file a problem is: line numbers for the importers' error messages.

Arrow's CSV reader is fast but says neither the line of a parse error nor where a record starts, and
a quoted field may span lines, so record numbers are not line numbers. These helpers read the file
again, only when an error is reported, to name the line a user sees in an editor: where the record
starts, where an unterminated quote opens, the line of a bad byte. Blocks without quotes are counted
with array arithmetic; Python's csv module reads only the blocks that need it (see :func:`_records`).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from counterflow.errors import InputError

ROWS_NOTE = " (rows count the header as row 1)"


class _Lines:
    """Decoded lines of a file, counting them; a bad byte raises with its line number."""

    def __init__(self, path: Path) -> None:
        self.path, self.line, self.bad = path, 0, None

    def __call__(self, fh) -> Iterator[str]:  # noqa: ANN001 - a binary file
        for raw in fh:
            self.line += 1
            try:
                yield raw.decode("utf-8-sig" if self.line == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                self.bad = exc
                raise


_BLOCK = 4 << 20


class _Source:
    """The file in blocks that end at a line end, or line by line (for a quoted field left open)."""

    def __init__(self, fh) -> None:  # noqa: ANN001 - a binary file
        self.fh, self.buf, self.eof = fh, b"", False

    def _fill(self) -> None:
        data = self.fh.read(_BLOCK)
        if data:
            self.buf += data
        else:
            self.eof = True

    def block(self) -> bytes:
        while not self.eof and (len(self.buf) < _BLOCK or b"\n" not in self.buf):
            self._fill()
        cut = len(self.buf) if self.eof else self.buf.rfind(b"\n") + 1
        out, self.buf = self.buf[:cut], self.buf[cut:]
        return out

    def line(self) -> bytes:
        while True:
            i = self.buf.find(b"\n")
            if i >= 0 or self.eof:
                cut = i + 1 if i >= 0 else len(self.buf)
                out, self.buf = self.buf[:cut], self.buf[cut:]
                return out
            self._fill()


def _plain(block: bytes) -> bool:
    """Whether every line of ``block`` is one record whose fields are its commas plus one: no quote,
    no NUL, no carriage return but before a new line, valid UTF-8 (what the csv module would reject
    or read otherwise is left to it)."""
    if b'"' in block or b"\0" in block or block.count(b"\r") != block.count(b"\r\n"):
        return False
    if block.isascii():
        return True
    try:
        block.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _plain_records(block: bytes, first_line: int, skip_blank: bool, fields: bool
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(line, number of fields) of each record of a :func:`_plain` block, by array arithmetic (the
    numbers of fields are zeros unless ``fields``: counting commas is most of the work)."""
    if not fields and not skip_blank:  # every line a record: only the lines need counting
        n = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
        return first_line + np.arange(n, dtype=np.int64), np.zeros(n, np.int64)
    arr = np.frombuffer(block, np.uint8)
    ends = np.flatnonzero(arr == 10)
    if not block.endswith(b"\n"):
        ends = np.append(ends, len(arr))
    starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
    length = ends - starts
    first = arr[np.minimum(starts, max(len(arr) - 1, 0))] if len(arr) else np.zeros(0, np.uint8)
    blank = (length == 0) | ((length == 1) & (first == 13))
    if fields:
        commas = np.bincount(np.searchsorted(ends, np.flatnonzero(arr == 44)), minlength=len(ends))
        nfields = np.where(blank, 0, commas + 1).astype(np.int64)
    else:
        nfields = np.zeros(len(ends), np.int64)
    lines = first_line + np.arange(len(ends), dtype=np.int64)
    if skip_blank:
        return lines[~blank], nfields[~blank]
    return lines, nfields


def _records(path: Path, skip_blank: bool, counter: _Lines | None = None, fields: bool = True
             ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Batches of (line where each record starts, its number of fields), header included, in order.

    Blocks without quotes or odd bytes are counted with array arithmetic (a 1 GB file in seconds);
    the csv module reads only the others, a record at a time, so a quoted field that spans lines or
    a bad byte is read exactly as before.
    """
    old = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)  # a long field is the file's right, not a parse error
    try:
        counter = counter or _Lines(path)
        with open(path, "rb") as fh:
            src = _Source(fh)
            while True:
                block = src.block()
                if not block:
                    return
                if _plain(block):
                    lines, nfields = _plain_records(block, counter.line + 1, skip_blank, fields)
                    counter.line += block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
                    yield lines, nfields
                    continue
                yield from _quoted(block, src, counter, skip_blank)
    finally:
        csv.field_size_limit(old)


def _quoted(block: bytes, src: _Source, counter: _Lines, skip_blank: bool
            ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The records of ``block`` by the csv module, reading on into the file while a field is open."""
    parts = block.split(b"\n")
    own = [p + b"\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    left = [len(own)]

    def feed() -> Iterator[bytes]:
        for ln in own:
            left[0] -= 1
            yield ln
        while True:
            ln = src.line()
            if not ln:
                return
            yield ln

    base = counter.line
    reader = csv.reader(counter(feed()), strict=True)
    start = base + 1
    while left[0] > 0:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _Unparsable(start, str(exc)) from None
        if not (skip_blank and not fields):
            yield np.array([start], np.int64), np.array([len(fields)], np.int64)
        start = base + reader.line_num + 1


class _Unparsable(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


def record_line(path: Path, record: int, *, skip_blank: bool = False) -> int:
    """The line where record number ``record`` starts (the header is record 1); ``skip_blank``: blank
    lines are not records (as Arrow reads them by default)."""
    try:
        seen = 0
        for lines, _ in _records(path, skip_blank, fields=False):
            if seen + len(lines) >= record:
                return int(lines[record - seen - 1])
            seen += len(lines)
    except (_Unparsable, UnicodeDecodeError, OSError):
        pass
    return record


def locate(path: Path, cause: Exception, *, ncols: int | None = None, skip_blank: bool = False) -> InputError:
    """The error of a CSV file Arrow could not read, at its line: a bad byte, an unterminated quote
    (where it opens), a record with the wrong number of fields; else Arrow's own reason."""
    file = str(path)
    counter = _Lines(path)
    try:
        for lines, nfields in _records(path, skip_blank, counter):
            if ncols is None:
                continue
            bad = np.flatnonzero((lines > 1) & (nfields != ncols))
            if len(bad):
                start, n = int(lines[bad[0]]), int(nfields[bad[0]])
                what = "an empty line" if not n else f"{n} fields"
                return InputError(f"expected {ncols} fields, found {what}" + ROWS_NOTE, file=file, row=start)
    except UnicodeDecodeError as exc:
        line = counter.line
        return InputError(f"not UTF-8 text (byte {exc.start + 1} of the line)" + ROWS_NOTE, file=file,
                          row=max(line, 1))
    except _Unparsable as exc:
        if "unexpected end of data" in exc.reason or "EOF" in exc.reason:
            return InputError("a quoted field opens here and is never closed" + ROWS_NOTE, file=file, row=exc.line)
        return InputError(f"unreadable CSV ({exc.reason})" + ROWS_NOTE, file=file, row=exc.line)
    except OSError as exc:
        return InputError(f"cannot read the file ({exc.strerror})", file=file)
    reason = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    if "straddling" in reason or "block" in reason.lower():
        reason = "a line is longer than the reader's block (16 MiB)"
    return InputError(f"unreadable CSV ({reason})", file=file)
