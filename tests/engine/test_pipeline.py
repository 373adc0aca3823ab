from __future__ import annotations

import datetime as dt
import logging
import re

import pyarrow as pa
import pytest
import sqlglot

from counterflow.detect.features import FeatureBuilder
from counterflow.engine.dialects import SparkDialect, UnsupportedInDialect, get_dialect
from counterflow.engine.duckdb import DuckDBEngine, connect
from counterflow.engine.pipeline import EngineError, Pipeline
from counterflow.errors import CounterflowError


def _engine(debug: bool = False) -> DuckDBEngine:
    con = connect()
    con.execute("CREATE TABLE t AS SELECT i AS x, i % 3 AS g FROM range(10) r(i)")
    return DuckDBEngine(con, debug=debug)


def _pipe() -> Pipeline:
    return (Pipeline("p")
            .add("doubled", "SELECT x * 2 AS y, g FROM t")
            .add("by_group", "SELECT g, sum(y) AS s FROM doubled GROUP BY g")
            .add("ordered", "SELECT * FROM by_group ORDER BY g"))


def test_pipeline_renders_one_query_and_runs() -> None:
    p = _pipe()
    sql = p.sql()
    assert sql.startswith("WITH doubled AS (") and "by_group AS (" in sql and sql.endswith("ORDER BY g")
    assert _engine().arrow(p).to_pylist() == [{"g": 0, "s": 36}, {"g": 1, "s": 24}, {"g": 2, "s": 30}]
    with pytest.raises(ValueError, match="already has a step"):
        p.add("doubled", "SELECT 1")
    with pytest.raises(ValueError, match="identifier"):
        Pipeline().add("Bad Name", "SELECT 1")


def test_debug_mode_runs_each_step_and_gives_the_same_result(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="counterflow.engine.pipeline"):
        out = _engine(debug=True).arrow(_pipe())
    assert out.equals(_engine().arrow(_pipe()))
    assert "step p.doubled: 10 rows" in caplog.text and "step p.by_group: 3 rows" in caplog.text


@pytest.mark.parametrize("debug", [False, True])
def test_errors_name_the_failing_step_and_carry_its_sql(debug: bool) -> None:
    p = _pipe()
    p.steps[1] = type(p.steps[1])("by_group", "SELECT g, sum(nosuch) AS s FROM doubled GROUP BY g")
    with pytest.raises(EngineError) as err:
        _engine(debug).arrow(p)
    assert err.value.step == "by_group" and "sum(nosuch)" in err.value.sql
    assert "step 'by_group' failed" in str(err.value) and isinstance(err.value, CounterflowError)
    # A run-time failure (not a planning one) is found too.
    q = Pipeline("q").add("a", "SELECT x FROM t").add("b", "SELECT CAST('x' || x AS INTEGER) AS v FROM a") \
        .add("c", "SELECT * FROM b")
    with pytest.raises(EngineError) as err:
        _engine(debug).arrow(q)
    assert err.value.step == "b"


def test_kernel_output_is_a_table_later_steps_read() -> None:
    eng = _engine()
    eng.kernel("square", Pipeline("in").add("xs", "SELECT x FROM t"),
               lambda tb: pa.table({"x": tb.column("x"), "sq": pa.compute.multiply(tb.column("x"), tb.column("x"))}),
               "squares")
    assert eng.arrow(Pipeline().add("s", "SELECT sum(sq) AS s FROM squares")).to_pylist() == [{"s": 285}]
    with pytest.raises(EngineError, match="step 'boom' failed"):
        eng.kernel("boom", Pipeline("in").add("xs", "SELECT x FROM t"), lambda tb: 1 / 0, "never")


def test_materialize_and_batches() -> None:
    eng = _engine()
    eng.materialize(_pipe(), "groups")
    assert eng.arrow(Pipeline().add("n", "SELECT count(*) AS n FROM groups")).to_pylist() == [{"n": 3}]
    assert sum(b.num_rows for b in eng.batches(Pipeline().add("all", "SELECT * FROM t"), 4)) == 10


def test_feature_pipeline_transpiles_to_spark() -> None:
    fb = FeatureBuilder()
    spark = SparkDialect()
    lo = dt.datetime(2024, 1, 1)
    pipes = {p.name: spark.render(p.sql()) for p in fb.pipelines(spark, lo, lo + dt.timedelta(days=1))}
    assert list(pipes) == ["feature_base", "window_inputs", "cycle_inputs", "pattern_inputs", "features"]
    for sql in pipes.values():
        # Spark refuses a DISTINCT aggregate over a window frame: windowed distinct counts are kernels now.
        assert not re.search(r"COUNT\(DISTINCT[^()]*\)\s*OVER", sql, re.I)
        sqlglot.parse_one(sql, read="spark")  # valid Spark SQL
    assert "BROUND(UNIX_MICROS(t.ts) / 1000000.0, 0)" in pipes["feature_base"]
    assert "pg_edges AS (" in pipes["pattern_inputs"]
    for step in ("pf_shared", "pf", "tp_docs", "tp_facts"):  # the newer feature steps
        assert f"{step} AS (" in pipes["features"], step
    # The listed-distance steps run per day through the same engine interface.
    from counterflow.detect.feature_steps import hop_steps
    hop = Pipeline("hops").add("hop_listed", "SELECT 1 AS party_id").add("hop_txn", "SELECT * FROM transactions")
    for name, step_sql in hop_steps(listed="hop_listed", transactions="hop_txn"):
        hop.add(name, step_sql)
    sqlglot.parse_one(spark.render(hop.sql()), read="spark")
    with pytest.raises(UnsupportedInDialect, match="spark"):
        spark.ordered_list("x", "ts")
    assert get_dialect("duckdb").ordered_list("x", "ts") == "list(x ORDER BY ts)"
    with pytest.raises(CounterflowError, match="unknown SQL dialect"):
        get_dialect("oracle")
