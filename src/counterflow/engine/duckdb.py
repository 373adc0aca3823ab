"""DuckDB connections with the settings the project relies on.

Insertion order is kept so that query results over time-sorted part files stay deterministic.
"""

from __future__ import annotations

import duckdb


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
