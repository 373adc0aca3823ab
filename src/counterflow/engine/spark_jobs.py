"""Features and scores as a Spark job partitioned by time chunk, written as Parquet by the executors.

:class:`~counterflow.engine.spark.SparkEngine` runs the feature SQL on Spark but brings every
kernel input and result to the driver: fine for a check of parity, not for data that outgrows
one machine. Here the driver only plans: it splits the range into the feature builder's time
chunks (:meth:`FeatureBuilder.chunk_bounds`, whole days, bounded rows) and hands one chunk to
each Spark task. A task opens the dataset where it lies (a path every executor can read: a shared
file system, or a local copy on each node), computes its chunk's features with the in-process
engine (DuckDB and the array kernels, so each task's memory is bounded by its chunk and
look-back), optionally scores them with a model file, and writes one Parquet part file under the
output directory itself (a temporary name, then a rename). What comes back to the driver is one
small record per chunk: its bounds, rows and file name.

Features do not depend on where chunks fall (tested), so the parts are the same rows
:meth:`FeatureBuilder.transform` returns, in time-chunk order.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from counterflow.errors import InputError


@dataclass(frozen=True)
class ChunkResult:
    index: int
    start: dt.datetime
    end: dt.datetime
    rows: int
    file: str


def _run_chunk(task: tuple[int, dt.datetime, dt.datetime], data: str, out_dir: str, params: dict[str, Any],
               model: str | None, memory_limit: str | None) -> ChunkResult:
    """On an executor: one chunk's features (or scores) into ``out_dir/part-NNNNN.parquet``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from counterflow.dataset.reader import open_dataset
    from counterflow.detect.features import FeatureBuilder
    from counterflow.engine.duckdb import DuckDBEngine

    i, a, b = task
    fb = FeatureBuilder(**params).fit()
    with open_dataset(data, memory_limit=memory_limit) as ds:
        t = fb.chunk(DuckDBEngine(ds.con), a, b)
    if model is not None:
        from counterflow.detect.model import LightGBMScorer

        scorer = LightGBMScorer.load(model)
        score = scorer.decision_function(t) if t.num_rows else []
        t = pa.table({"txn_id": t.column("txn_id"), "ts": t.column("ts"),
                      "score": pa.array(score, pa.float64())})
    name = f"part-{i:05d}.parquet"
    tmp = Path(out_dir) / f".{name}.{os.getpid()}.tmp"
    pq.write_table(t, tmp)
    tmp.replace(Path(out_dir) / name)
    return ChunkResult(i, a, b, t.num_rows, name)


def features_job(spark: Any, data: str | Path, out_dir: str | Path, *, start: dt.datetime | None = None,
                 end: dt.datetime | None = None, params: dict[str, Any] | None = None,
                 model: str | Path | None = None, memory_limit: str | None = None) -> list[ChunkResult]:
    """Features (with ``model``: ``txn_id, ts, score``) of [start, end) of the dataset at ``data``,
    one Spark task per time chunk, each writing its part file under ``out_dir`` (created; it must
    not hold part files already). ``params`` are :class:`FeatureBuilder` parameters (``engine`` and
    ``listed`` are not: tasks use DuckDB, and listed parties need the driver's screening).
    Returns one record per chunk, in time order."""
    from counterflow.dataset.reader import open_dataset
    from counterflow.detect.features import FeatureBuilder

    params = dict(params or {})
    for key in ("engine", "listed"):
        if key in params:
            raise ValueError(f"features_job does not take the feature builder's {key!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if any(out.glob("part-*.parquet")):
        raise InputError("the output directory already holds part files", file=str(out))
    data = str(Path(data).resolve())
    with open_dataset(data) as ds:
        bounds = FeatureBuilder(**params).chunk_bounds(ds, start, end)
    tasks = [(i, a, b) for i, (a, b) in enumerate(bounds)]
    if not tasks:
        return []
    model_s = None if model is None else str(Path(model).resolve())
    out_s = str(out.resolve())
    rdd = spark.sparkContext.parallelize(tasks, len(tasks))
    # Only the per-chunk records come back; the rows stay in the part files.
    done = rdd.map(lambda task: _run_chunk(task, data, out_s, params, model_s, memory_limit)).collect()
    return sorted(done, key=lambda r: r.index)
