"""Engine benchmark: the same features on DuckDB and on Spark, transactions per second each.

One command: ``python bench/spark_bench.py [--scenario tiny] [--days 3] [--master local[2]] [--keep DIR]``
(needs the ``spark`` extra). It generates a dataset with ``counterflow simulate``, then in one
process computes the features of ``--days`` days (after a month of history, so every window has
its look-back) with DuckDB, then with Spark: once cold (the first queries compile and warm the
JVM) and once warm. It checks that both engines give the same feature table (ids equal, floats
within 1e-9 relative) and prints seconds and rows/s. Spark's session start is timed apart.

Spark in local mode on a laptop's cores is not where Spark pays off: each query costs it a
planning, code generation and task-scheduling overhead of seconds, which DuckDB does not have,
and a small chunk is all overhead. Spark is the engine for data that does not fit one machine;
this benchmark shows the price of that on data that does, and that the answers agree.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _same(a, b) -> bool:  # type: ignore[no-untyped-def]
    if a.column_names != b.column_names or a.num_rows != b.num_rows:
        return False
    for name in a.column_names:
        for x, y in zip(a.column(name).to_pylist(), b.column(name).to_pylist()):
            if isinstance(x, float) and isinstance(y, float):
                if not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12):
                    return False
            elif x != y:
                return False
    return True


def measure(data: Path, days: int, master: str) -> dict:
    from counterflow.dataset.reader import open_dataset
    from counterflow.detect.features import FeatureBuilder
    from counterflow.engine.duckdb import DuckDBEngine
    from counterflow.engine.spark import SparkEngine, SparkSettings, spark_session

    with open_dataset(data) as ds:
        lo = ds.fetchall("SELECT min(ts) FROM transactions")[0][0]
        start = dt.datetime(lo.year, lo.month, lo.day) + dt.timedelta(days=30)
        end = start + dt.timedelta(days=days)
        n = ds.fetchall("SELECT count(*) FROM transactions WHERE ts >= ? AND ts < ?", [start, end])[0][0]
        fb = FeatureBuilder()
        runs: dict[str, float] = {}
        t0 = time.perf_counter()
        ref = fb.transform(ds, start, end, engine=DuckDBEngine(ds.con))
        runs["duckdb"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        session = spark_session(SparkSettings(master=master))
        start_s = time.perf_counter() - t0
        eng = SparkEngine.for_dataset(ds, session)
        for label in ("spark_cold", "spark_warm"):
            t0 = time.perf_counter()
            got = fb.transform(ds, start, end, engine=eng)
            runs[label] = time.perf_counter() - t0
        session.stop()
    return {"transactions": n, "features": ref.num_columns - 4, "spark_session_start_s": start_s,
            "seconds": runs, "txn_per_s": {k: n / v for k, v in runs.items()}, "same_features": _same(ref, got)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="tiny")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--days", type=int, default=3)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--keep", type=Path, help="generate into (or reuse) this directory")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="cf-spark-bench-") as tmp:
        data = args.keep or Path(tmp) / "ds"
        if not (data / "manifest.json").exists():
            subprocess.run([sys.executable, "-m", "counterflow.cli.main", "simulate", "--scenario", args.scenario,
                            "--seed", str(args.seed), "--out", str(data), "--overwrite", "--json"],
                           check=True, capture_output=True)
        doc = {"scenario": args.scenario, "days": args.days, "master": args.master,
               **measure(data, args.days, args.master)}
    if args.json:
        print(json.dumps(doc, indent=2))
        return
    print(f"{args.scenario}, {args.days} days, {doc['transactions']:,} transactions, {doc['features']} features; "
          f"Spark {args.master} session start {doc['spark_session_start_s']:.1f} s")
    print(f"{'engine':<12}{'seconds':>10}{'txn/s':>10}")
    for k, v in doc["seconds"].items():
        print(f"{k:<12}{v:>10.2f}{doc['txn_per_s'][k]:>10,.0f}")
    print(f"same features on both engines: {doc['same_features']}")


if __name__ == "__main__":
    main()
