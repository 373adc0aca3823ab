"""Opening list files: plain or gzip-compressed, with clear errors for unreadable input."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from counterflow.errors import InputError
from counterflow.files import read_at_most


def resolve(path: Path) -> Path:
    """The file itself, or its '.gz' sibling (shipped snapshots are stored compressed)."""
    if path.exists():
        return path
    gz = path.with_name(path.name + ".gz")
    if gz.exists():
        return gz
    raise InputError("file not found", file=str(path))


# The largest list file read (OFAC's sdn.csv is about 10 MB, the UN XML a few): past it a file is not a
# list, or is endless (/dev/zero) or a compression bomb, and is refused before it fills memory.
MAX_BYTES = 256 << 20


def read_text(path: Path) -> str:
    """Whole file as text (UTF-8, with a BOM tolerated); gzip when the name ends in .gz."""
    real = resolve(path)
    if real.is_dir():
        raise InputError("is a folder, not a list file", file=str(real))
    try:
        with (gzip.open(real, "rb") if real.suffix == ".gz" else open(real, "rb")) as fh:
            raw = read_at_most(fh, MAX_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read: {exc}", file=str(real)) from None
    if len(raw) > MAX_BYTES:
        raise InputError(f"larger than {MAX_BYTES >> 20} MiB (decompressed): not a sanctions list file",
                         file=str(real))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Older OFAC files were Windows-1252; accept it rather than fail on one accent.
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            line = raw[: exc.start].count(b"\n") + 1
            raise InputError(f"not UTF-8 text (byte {exc.start + 1} of the file)", file=str(real),
                             row=line) from None


def text_stream(path: Path) -> io.StringIO:
    return io.StringIO(read_text(path), newline="")
