"""Opening list files: plain or gzip-compressed, with clear errors for unreadable input."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from counterflow.errors import InputError


def resolve(path: Path) -> Path:
    """The file itself, or its '.gz' sibling (shipped snapshots are stored compressed)."""
    if path.exists():
        return path
    gz = path.with_name(path.name + ".gz")
    if gz.exists():
        return gz
    raise InputError("file not found", file=str(path))


def read_text(path: Path) -> str:
    """Whole file as text (UTF-8, with a BOM tolerated); gzip when the name ends in .gz."""
    real = resolve(path)
    try:
        raw = gzip.decompress(real.read_bytes()) if real.suffix == ".gz" else real.read_bytes()
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read: {exc}", file=str(real)) from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Older OFAC files were Windows-1252; accept it rather than fail on one accent.
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            raise InputError(f"not UTF-8 text at byte {exc.start}", file=str(real)) from exc


def text_stream(path: Path) -> io.StringIO:
    return io.StringIO(read_text(path), newline="")
