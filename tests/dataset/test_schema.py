from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from counterflow.dataset import schema as sch
from counterflow.dataset.reader import Dataset

DOCS = Path(__file__).resolve().parents[2] / "docs" / "schema.md"


def test_docs_are_generated_from_the_declaration() -> None:
    assert DOCS.read_text(encoding="utf-8").rstrip("\n") == sch.to_markdown().rstrip("\n"), (
        "docs/schema.md is stale: run `counterflow schema > docs/schema.md`"
    )


def test_every_table_file_matches_the_declared_schema(tiny: Dataset) -> None:
    assert set(tiny.tables) == set(sch.TABLE_NAMES)
    for name in sch.TABLE_NAMES:
        declared = sch.table(name).arrow_schema()
        for path in tiny.files(name):
            actual = pq.read_schema(path)
            assert actual.names == declared.names, name
            for field in declared:
                assert actual.field(field.name).type == field.type, (name, field.name)


def test_non_nullable_columns_have_no_nulls(tiny: Dataset) -> None:
    for t in sch.TABLES:
        for c in t.columns:
            if not c.nullable:
                n = tiny.fetchone(f'SELECT count(*) FROM "{t.name}" WHERE "{c.name}" IS NULL')[0]
                assert n == 0, f"{t.name}.{c.name} has {n} nulls"


def test_keys_and_vocabularies_are_declared_consistently() -> None:
    for t in sch.TABLES:
        names = [c.name for c in t.columns]
        assert len(names) == len(set(names)), t.name
        if t.key:
            assert t.key in names
        for c in t.columns:
            if c.references:
                rt, rc = c.references.split(".")
                assert rc in [x.name for x in sch.table(rt).columns]
