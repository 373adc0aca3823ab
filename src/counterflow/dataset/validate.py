"""Checking a dataset against its manifest and the schema declaration.

Quick checks read only metadata (files present, schemas, row counts); the default also
verifies checksums and vocabularies; ``deep`` adds key uniqueness and references between
tables, which scans the data through DuckDB.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from counterflow.dataset import schema as sch
from counterflow.dataset.reader import Dataset
from counterflow.dataset.writer import sha256_file
from counterflow.engine.duckdb import quote_ident


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _same_type(actual: pa.DataType, declared: pa.DataType) -> bool:
    if pa.types.is_dictionary(declared):
        return (
            actual == declared
            or pa.types.is_string(actual)
            or (pa.types.is_dictionary(actual) and pa.types.is_string(actual.value_type))
        )
    return actual == declared


def validate(
    ds: Dataset,
    *,
    checksums: bool = True,
    deep: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> Report:
    """Check ``ds``; ``progress(stage, done, total)`` is told of each file checked."""
    rep = Report()
    tables = ds.manifest["tables"]
    n_files = sum(len(e.get("files", [])) for e in tables.values())
    done = 0
    for t in sch.TABLES:
        if t.name not in tables:
            rep.problems.append(f"table {t.name}: missing from the manifest")
    for name, entry in tables.items():
        if name not in sch.TABLE_NAMES:
            rep.problems.append(f"table {name}: not in schema {sch.SCHEMA_VERSION}")
            continue
        declared = sch.table(name).arrow_schema()
        total = 0
        for f in entry.get("files", []):
            done += 1
            if progress is not None:
                progress("checking files", done, n_files)
            path = Path(ds.path) / f["path"]
            if not path.is_file():
                rep.problems.append(f"{f['path']}: file missing")
                continue
            try:
                meta = pq.read_metadata(path)
                actual = pq.read_schema(path)
            except Exception as exc:  # corrupt files raise a variety of Arrow errors
                rep.problems.append(f"{f['path']}: unreadable Parquet ({exc})")
                continue
            if meta.num_rows != f["rows"]:
                rep.problems.append(f"{f['path']}: {meta.num_rows} rows, manifest says {f['rows']}")
            for col in declared:
                if col.name not in actual.names:
                    rep.problems.append(f"{f['path']}: column {col.name} missing")
                elif not _same_type(actual.field(col.name).type, col.type):
                    rep.problems.append(
                        f"{f['path']}: column {col.name} is {actual.field(col.name).type}, schema says {col.type}"
                    )
            extra = set(actual.names) - set(declared.names)
            if extra:
                rep.problems.append(f"{f['path']}: undeclared columns {sorted(extra)}")
            if checksums and sha256_file(path) != f.get("sha256"):
                rep.problems.append(f"{f['path']}: checksum does not match the manifest")
            total += f["rows"]
        if total != entry.get("rows"):
            rep.problems.append(f"table {name}: files hold {total} rows, manifest says {entry.get('rows')}")
    rep.checks.append("manifest, files, schemas and row counts" + (", checksums" if checksums else ""))
    if rep.problems:
        return rep
    for base, labels in (
        ("transactions", "transaction_labels"),
        ("parties", "party_labels"),
        ("shipments", "shipment_labels"),
        ("seizures", "seizure_labels"),
    ):
        if tables[base]["rows"] != tables[labels]["rows"]:
            rep.problems.append(
                f"table {labels}: {tables[labels]['rows']} rows for {tables[base]['rows']} rows of {base}"
            )
    if checksums:
        _vocabularies(ds, rep)
    if deep:
        _keys_and_references(ds, rep)
    return rep


def _vocabularies(ds: Dataset, rep: Report) -> None:
    for t in sch.TABLES:
        for c in t.columns:
            if c.values is None:
                continue
            allowed = set(c.values)
            found = ds.fetchall(
                f"SELECT DISTINCT CAST({quote_ident(c.name)} AS VARCHAR) "
                f"FROM {quote_ident(t.name)} WHERE {quote_ident(c.name)} IS NOT NULL"
            )
            bad = sorted(v for (v,) in found if v not in allowed)
            if bad:
                rep.problems.append(f"{t.name}.{c.name}: values outside the vocabulary: {bad[:5]}")
    rep.checks.append("vocabularies")


def _keys_and_references(ds: Dataset, rep: Report) -> None:
    for t in sch.TABLES:
        if t.key and t.name not in sch.LABEL_TABLES:
            dup = ds.fetchone(f"SELECT count(*) - count(DISTINCT {quote_ident(t.key)}) FROM {quote_ident(t.name)}")[0]
            if dup:
                rep.problems.append(f"{t.name}.{t.key}: {dup} duplicate keys")
        for c in t.columns:
            if not c.references:
                continue
            rt, rc = c.references.split(".")
            col, ref = quote_ident(c.name), quote_ident(rc)
            missing = ds.fetchone(
                f"SELECT count(*) FROM {quote_ident(t.name)} a WHERE a.{col} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {quote_ident(rt)} b WHERE b.{ref} = a.{col})"
            )[0]
            if missing:
                rep.problems.append(f"{t.name}.{c.name}: {missing} rows point to no {c.references}")
    rep.checks.append("keys and references")
