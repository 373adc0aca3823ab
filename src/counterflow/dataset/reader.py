"""Opening a dataset lazily: Arrow datasets and DuckDB relations over its Parquet files.

Nothing is read until asked for; DuckDB and Arrow stream the files, so a dataset larger than
memory can be queried.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as pads

from counterflow.dataset import schema as sch
from counterflow.dataset.writer import FORMAT, MANIFEST
from counterflow.engine.duckdb import connect, quote_ident, sql_list
from counterflow.errors import DatasetError
from counterflow.files import read_at_most

MAX_MANIFEST = 64 << 20  # a manifest lists files: kilobytes; anything far larger is not one
SUPPORTED_SCHEMA_MAJOR = sch.SCHEMA_VERSION.split(".")[0]


def read_manifest(path: Path) -> dict[str, Any]:
    mpath = path / MANIFEST
    if not path.is_dir():
        raise DatasetError(f"{path}: not a directory")
    if not mpath.exists():
        raise DatasetError(f"{path}: no {MANIFEST}; not a Counterflow dataset, or an interrupted write")
    try:
        with open(mpath, "rb") as fh:
            raw = read_at_most(fh, MAX_MANIFEST + 1)
        if len(raw) > MAX_MANIFEST:
            raise DatasetError(f"{mpath}: larger than {MAX_MANIFEST >> 20} MiB; not a manifest")
        manifest = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise DatasetError(f"{mpath}: unreadable manifest ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DatasetError(f"{mpath}: not a Counterflow manifest (format must be {FORMAT!r})")
    version = str(manifest.get("schema_version", ""))
    if version.split(".")[0] != SUPPORTED_SCHEMA_MAJOR:
        raise DatasetError(f"{mpath}: schema version {version!r} is not supported (this is {sch.SCHEMA_VERSION})")
    if not isinstance(manifest.get("tables"), dict):
        raise DatasetError(f"{mpath}: manifest has no tables")
    for name, entry in manifest["tables"].items():
        _check_entry(mpath, name, entry)
    return manifest


def _check_entry(mpath: Path, name: str, entry: Any) -> None:
    """A table entry of the manifest: rows, and files each with a relative path inside the dataset."""
    def bad(what: str) -> DatasetError:
        return DatasetError(f"{mpath}: table {name!r}: {what}")

    if not isinstance(entry, dict):
        raise bad("entry is not an object")
    if not isinstance(entry.get("rows"), int) or isinstance(entry.get("rows"), bool) or entry["rows"] < 0:
        raise bad("no row count ('rows' must be a whole number, 0 or more)")
    files = entry.get("files")
    if not isinstance(files, list) or not files:
        raise bad("no files listed")
    for i, f in enumerate(files):
        if not isinstance(f, dict) or not isinstance(f.get("path"), str) or not f["path"]:
            raise bad(f"file {i + 1} has no path")
        if not isinstance(f.get("rows"), int) or isinstance(f.get("rows"), bool) or f["rows"] < 0:
            raise bad(f"{f['path']}: no row count")
        rel = Path(f["path"])
        if rel.is_absolute() or ".." in rel.parts:
            raise bad(f"{f['path']}: a file path must stay inside the dataset folder")


def check_files(ds: Dataset, names: list[str] | None = None) -> None:
    """Refuse a dataset whose part files are missing or cut short (a Parquet file ends with its
    footer and the bytes 'PAR1'), before a query stumbles on them: one error naming the file."""
    for name in names or ds.tables:
        for p in ds.files(name):
            try:
                size = p.stat().st_size
                with open(p, "rb") as fh:
                    fh.seek(max(size - 4, 0))
                    tail = fh.read(4)
            except FileNotFoundError:
                raise DatasetError(f"{p}: file missing (table {name}); the dataset is incomplete "
                                   "(counterflow inspect lists what is wrong)") from None
            except IsADirectoryError:
                raise DatasetError(f"{p}: a folder where the manifest lists a file (table {name})") from None
            except OSError as exc:
                raise DatasetError(f"{p}: cannot read ({exc.strerror})") from None
            if size < 12 or tail != b"PAR1":
                raise DatasetError(f"{p}: not a whole Parquet file (cut short or damaged; table {name}); "
                                   "counterflow inspect lists what is wrong")


class Dataset:
    """A dataset directory. ``arrow(name)`` / ``relation(name)`` / ``sql(query)`` read it."""

    def __init__(self, path: str | Path, *, memory_limit: str | None = None, check: bool = True) -> None:
        self.path = Path(path)
        self.manifest = read_manifest(self.path)
        if check:  # missing or cut part files: one clear error now, not a query failing later
            check_files(self)
        # DuckDB takes up to 80 % of the machine's memory by default and keeps what it took; a
        # limit such as "2GB" makes it spill to disk instead (the same results, a little slower).
        self.memory_limit = memory_limit
        self._con: duckdb.DuckDBPyConnection | None = None

    def __repr__(self) -> str:
        return f"Dataset({str(self.path)!r}, scenario={self.manifest.get('scenario')!r})"

    @property
    def tables(self) -> list[str]:
        return list(self.manifest["tables"])

    def rows(self, name: str) -> int:
        return int(self._entry(name)["rows"])

    def _entry(self, name: str) -> dict[str, Any]:
        try:
            return self.manifest["tables"][name]
        except KeyError:
            raise DatasetError(f"{self.path}: no table {name!r}; tables: {', '.join(self.tables)}") from None

    def files(self, name: str) -> list[Path]:
        return [self.path / f["path"] for f in self._entry(name)["files"]]

    def dataset(self, name: str) -> pads.Dataset:
        """A lazy Arrow dataset (scan it in batches with ``.to_batches()``)."""
        return pads.dataset(
            [str(p) for p in self.files(name)],
            format="parquet",
            schema=sch.table(name).arrow_schema() if name in sch.TABLE_NAMES else None,
        )

    def arrow(self, name: str, columns: list[str] | None = None) -> pa.Table:
        """Load a table (or some of its columns) into memory: for the small tables."""
        return self.dataset(name).to_table(columns=columns)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with one view per table, created on first use."""
        if self._con is None:
            try:
                con = connect(memory_limit=self.memory_limit)
            except duckdb.Error as exc:
                raise DatasetError(f"memory limit {self.memory_limit!r} is not valid (e.g. 2GB, 500MB): "
                                   f"{str(exc).splitlines()[0]}") from exc
            for name in self.tables:
                con.execute(
                    f"CREATE VIEW {quote_ident(name)} AS SELECT * FROM read_parquet("
                    f"{sql_list([str(p) for p in self.files(name)])})"
                )
            self._con = con
        return self._con

    def relation(self, name: str) -> duckdb.DuckDBPyRelation:
        self._entry(name)
        return self.con.table(name)

    def sql(self, query: str) -> duckdb.DuckDBPyRelation:
        """A lazy DuckDB relation over the dataset's views."""
        return self.con.sql(query)

    def fetchall(self, query: str, params: list[Any] | None = None) -> list[tuple]:
        return self.con.execute(query, params or []).fetchall()

    def fetchone(self, query: str, params: list[Any] | None = None) -> tuple:
        # fetchall, not fetchone: DuckDB 2 keeps a half-read result open, which blocks the
        # connection's next query.
        rows = self.con.execute(query, params or []).fetchall()
        return rows[0] if rows else None

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> Dataset:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_dataset(path: str | Path, *, memory_limit: str | None = None, check: bool = True) -> Dataset:
    """Open a dataset; ``check=False`` skips the part-file check (``inspect`` reports those itself)."""
    return Dataset(path, memory_limit=memory_limit, check=check)
