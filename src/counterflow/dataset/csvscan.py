"""Where in a CSV file a problem is: line numbers for the importers' error messages.

Arrow's CSV reader is fast but says neither the line of a parse error nor where a record starts, and
a quoted field may span lines, so record numbers are not line numbers. These helpers read the file
again with Python's csv module, only when an error is reported, to name the line a user sees in an
editor: where the record starts, where an unterminated quote opens, the line of a bad byte.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path

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


def _records(path: Path, skip_blank: bool, counter: _Lines | None = None) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, fields) for every record, header included."""
    old = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)  # a long field is the file's right, not a parse error
    try:
        counter = counter or _Lines(path)
        with open(path, "rb") as fh:
            reader = csv.reader(counter(fh), strict=True)
            start = 1
            while True:
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise _Unparsable(start, str(exc)) from None
                if not (skip_blank and not fields):
                    yield start, fields
                start = reader.line_num + 1
    finally:
        csv.field_size_limit(old)


class _Unparsable(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


def record_line(path: Path, record: int, *, skip_blank: bool = False) -> int:
    """The line where record number ``record`` starts (the header is record 1); ``skip_blank``: blank
    lines are not records (as Arrow reads them by default)."""
    try:
        for n, (start, _) in enumerate(_records(path, skip_blank), start=1):
            if n == record:
                return start
    except (_Unparsable, UnicodeDecodeError, OSError):
        pass
    return record


def locate(path: Path, cause: Exception, *, ncols: int | None = None, skip_blank: bool = False) -> InputError:
    """The error of a CSV file Arrow could not read, at its line: a bad byte, an unterminated quote
    (where it opens), a record with the wrong number of fields; else Arrow's own reason."""
    file = str(path)
    counter = _Lines(path)
    try:
        for start, fields in _records(path, skip_blank, counter):
            if ncols is not None and start > 1 and len(fields) != ncols:
                what = "an empty line" if not fields else f"{len(fields)} fields"
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
