"""DuckDB connections with the settings the project relies on, and the DuckDB detection engine.

Insertion order is kept so that query results over time-sorted part files stay deterministic.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from counterflow.engine.dialects import DuckDBDialect
from counterflow.engine.pipeline import Engine


def connect(threads: int | None = None, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(database=":memory:")
    con.execute("SET preserve_insertion_order = true")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit is not None:
        con.execute("SET memory_limit = ?", [memory_limit])
    return con


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"



class DuckDBEngine(Engine):
    """Runs detection pipelines on a DuckDB connection (a dataset's, with its table views)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, *, debug: bool = False) -> None:
        super().__init__(DuckDBDialect(), debug=debug)
        self.con = con
        self._views: dict[str, pa.Table] = {}

    def _execute(self, sql: str) -> None:
        self.con.execute(sql)

    def _arrow(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def _reader(self, sql: str, batch_rows: int) -> pa.RecordBatchReader:
        return self.con.sql(sql).to_arrow_reader(batch_rows)

    def _register(self, name: str, table: pa.Table) -> None:
        # A registered Arrow table is a view over Python memory, scanned without a copy (copying a
        # kernel's 80-column output into a temp table took a tenth of a chunk's time); the engine
        # holds the reference until the name is dropped.
        self._drop(name)
        self.con.register(name, table)
        self._views[name] = table

    def _drop(self, name: str) -> None:
        if self._views.pop(name, None) is not None:
            self.con.unregister(name)
            return
        self.con.execute(f"DROP TABLE IF EXISTS {quote_ident(name)}")
