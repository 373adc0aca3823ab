from __future__ import annotations

from pathlib import Path

import pytest

from counterflow.dataset.reader import open_dataset
from counterflow.engine.duckdb import DuckDBEngine
from counterflow.engine.registry import ENGINE_NAMES, open_engine
from counterflow.errors import CounterflowError
from tests.detect.builders import Txn, World, write


def test_engines_by_name(tmp_path: Path) -> None:
    assert ENGINE_NAMES == ("duckdb", "spark")
    with open_dataset(write(World().add(Txn(0, 1, 2, 100)), tmp_path / "ds")) as ds:
        eng = open_engine("duckdb", ds)
        assert isinstance(eng, DuckDBEngine) and eng.con is ds.con
        with pytest.raises(CounterflowError, match="unknown engine 'flink'; known: duckdb, spark"):
            open_engine("flink", ds)
