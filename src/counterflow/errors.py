"""Error types shared by every package: what a user did wrong, said so that they can fix it."""

from __future__ import annotations

import re

_NEWLINES = re.compile(r"\s*[\r\n]+\s*")


class CounterflowError(Exception):
    """Base for errors the CLI reports as one readable message and a non-zero exit.

    The message is always one line: a reason quoted from a parser (YAML's, Arrow's) that spans
    lines is joined, so that a script reading stderr gets one line per error.
    """

    def __str__(self) -> str:
        return _NEWLINES.sub(" ", super().__str__()).strip()


class InputError(CounterflowError):
    """Bad input from a user: names the file, and where known the row and field."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.field = field
        self.reason = message
        where = []
        if file is not None:
            where.append(str(file))
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field '{field}'")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class DatasetError(CounterflowError):
    """A dataset directory that is missing, incomplete or does not match its manifest."""
