"""Engines by name: what ``--engine duckdb|spark`` and the Python API's ``engine=`` choose between.

DuckDB runs on the dataset's own connection; Spark gets a view per table of the dataset's Parquet
files (:meth:`counterflow.engine.spark.SparkEngine.for_dataset`). The Spark module is imported only
when asked for, so DuckDB users never load pyspark.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from counterflow.engine.pipeline import Engine
from counterflow.errors import CounterflowError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from counterflow.dataset.reader import Dataset

EngineName = Literal["duckdb", "spark"]
ENGINE_NAMES: tuple[str, ...] = ("duckdb", "spark")


def open_engine(name: str, ds: Dataset, *, debug: bool = False) -> Engine:
    """An engine over the dataset's tables."""
    if name == "duckdb":
        from counterflow.engine.duckdb import DuckDBEngine

        return DuckDBEngine(ds.con, debug=debug)
    if name == "spark":
        from counterflow.engine.spark import SparkEngine

        return SparkEngine.for_dataset(ds, debug=debug)
    raise CounterflowError(f"unknown engine {name!r}; known: {', '.join(ENGINE_NAMES)}")
