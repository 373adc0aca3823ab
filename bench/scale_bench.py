"""Scale benchmark: features against the previous implementation, and the whole workflow at bank scale.

Two commands, every figure in CPU-seconds (the process and its children, ``getrusage``), which
survive a shared machine better than wall time:

``python bench/scale_bench.py features --data DIR [--days 28] [--baseline-ref REF] [--rounds 2]``
    Features of ``--days`` days of a dataset (from ``--start`` days after its first day, so every
    window has its look-back), computed by this checkout and by the previous implementation (the
    ``src`` of git revision ``--baseline-ref``, exported to a temporary folder), each in a child
    process of its own, alternating for ``--rounds`` rounds; prints transactions per CPU-second
    of each (the best round), the ratio, peak memory, and whether the two feature tables are equal
    (they must be: only the speed may change).

``python bench/scale_bench.py run [--scenario large | --rows N] [--workers 0] [--engine duckdb|spark]
[--keep DIR] [--reference FILE] [--out FILE]``
    The workflow end to end with the CLI, each stage a child process: ``simulate`` (``--workers``
    processes), ``train`` (first 60 % of days, threshold at the best F1 on the next 20 %,
    ``--threshold best-f1``), ``detect`` with that model over the whole dataset, and ``evaluate``
    on the last 20 %. Per stage: rows, wall seconds, CPU-seconds, rows per CPU-second and peak
    resident memory (the largest process of the stage). ``--rows N`` scales the default economy
    over 180 days to about N transactions (as ``bench/quality_bench.py``); ``--scenario large`` is
    the built-in 100-million-transaction year. ``--reference`` names the JSON of an earlier run
    (``--out``): each stage's cost per row is printed as a ratio to it (linear growth: 1.0).
    ``--engine spark`` runs train and detect on Spark local (the ``spark`` extra); Spark's JVM is a
    child of the CLI process, so its CPU time counts once it has exited.

``python bench/scale_bench.py spark --data DIR [--model M] [--workers 1 2]``
    The chunked Spark job (:mod:`counterflow.engine.spark_jobs`: one task per time chunk, part
    files written by the tasks) in local mode with each number of workers: session start, the
    per-query overhead (median of 20 trivial queries), the job's wall time and rows per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS_PER_PERSON = 217.0  # the default economy over 180 days (bench/quality_bench.py)
TRAIN_SHARE, VALID_SHARE = 0.6, 0.2

# A child that runs a command and reports what it and its descendants used.
_MEASURE = """
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": r.returncode, "stdout": r.stdout[-200000:], "stderr": r.stderr[-4000:],
                  "seconds": time.perf_counter() - t0, "cpu_seconds": ru.ru_utime + ru.ru_stime,
                  "peak_rss_mib": ru.ru_maxrss / 1024}))
"""


def measured(cmd: list[str], env: dict | None = None) -> dict:
    """Run ``cmd`` in a measuring child; its CPU time, wall time and peak memory, and its output."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, check=False,
                         env=env)
    if out.returncode != 0:
        raise SystemExit(f"measuring {cmd[:4]} failed:\n{out.stderr[-4000:]}")
    res = json.loads(out.stdout.strip().splitlines()[-1])
    if res["rc"] != 0:
        raise SystemExit(f"{' '.join(cmd[:6])} failed (exit {res['rc']}):\n{res['stderr']}")
    return res


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "counterflow.cli.main", *args]


# -- features: this checkout against the previous implementation ---------------------------------

_FEATURES_CHILD = """
import datetime as dt, json, resource, sys
import pyarrow.parquet as pq
from counterflow.dataset.reader import open_dataset
from counterflow.detect.features import FeatureBuilder
data, start_days, days, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
with open_dataset(data) as ds:
    lo = ds.fetchall("SELECT min(ts) FROM transactions")[0][0]
    a = dt.datetime(lo.year, lo.month, lo.day) + dt.timedelta(days=start_days)
    FeatureBuilder().transform(ds, a, a + dt.timedelta(hours=1))  # compiled kernels loaded before timing
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t = FeatureBuilder().transform(ds, a, a + dt.timedelta(days=days))
    r1 = resource.getrusage(resource.RUSAGE_SELF)
pq.write_table(t, out)
print(json.dumps({"transactions": t.num_rows, "cpu_seconds": r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime,
                  "peak_rss_mib": r1.ru_maxrss / 1024}))
"""


def _baseline_src(ref: str, tmp: Path) -> Path:
    dest = tmp / "baseline"
    dest.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest / "src"


def features(args: argparse.Namespace) -> dict:
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory(prefix="cf-scale-bench-") as tmp_s:
        tmp = Path(tmp_s)
        impls = {"current": str(ROOT / "src"), "previous": str(_baseline_src(args.baseline_ref, tmp))}
        runs: dict[str, list[dict]] = {k: [] for k in impls}
        for _ in range(args.rounds):
            for name, src in impls.items():
                env = {**os.environ, "PYTHONPATH": src}
                out = subprocess.run([sys.executable, "-c", _FEATURES_CHILD, str(args.data), str(args.start),
                                      str(args.days), str(tmp / f"{name}.parquet")],
                                     capture_output=True, text=True, check=False, env=env)
                if out.returncode != 0:
                    raise SystemExit(f"{name} features failed:\n{out.stderr[-4000:]}")
                runs[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
        same = pq.read_table(tmp / "current.parquet").equals(pq.read_table(tmp / "previous.parquet"))
    best = {k: min(v, key=lambda r: r["cpu_seconds"]) for k, v in runs.items()}
    rate = {k: r["transactions"] / r["cpu_seconds"] for k, r in best.items()}
    return {"data": str(args.data), "days": args.days, "start_day": args.start, "baseline_ref": args.baseline_ref,
            "transactions": best["current"]["transactions"], "runs": runs,
            "txn_per_cpu_s": rate, "ratio": rate["current"] / rate["previous"],
            "peak_rss_mib": {k: r["peak_rss_mib"] for k, r in best.items()}, "same_features": same}


def print_features(doc: dict) -> None:
    print(f"features of {doc['transactions']:,} transactions ({doc['days']} days from day {doc['start_day']}); "
          f"previous implementation: {doc['baseline_ref']}; best of {len(doc['runs']['current'])} rounds")
    print(f"{'implementation':<16}{'CPU s':>9}{'txn/CPU-s':>12}{'peak MiB':>10}")
    for k in ("previous", "current"):
        r = min(doc["runs"][k], key=lambda x: x["cpu_seconds"])
        print(f"{k:<16}{r['cpu_seconds']:>9.2f}{doc['txn_per_cpu_s'][k]:>12,.0f}{doc['peak_rss_mib'][k]:>10.0f}")
    print(f"ratio current / previous: {doc['ratio']:.2f}; same feature table: {doc['same_features']}")


# -- spark: the chunked Spark job in local mode ---------------------------------------------------

_SPARK_CHILD = """
import json, statistics, sys, time
from counterflow.engine.spark import SparkSettings, spark_session
from counterflow.engine.spark_jobs import features_job
data, out, model, n = sys.argv[1], sys.argv[2], sys.argv[3] or None, int(sys.argv[4])
t0 = time.perf_counter()
spark = spark_session(SparkSettings(master=f"local[{n}]", shuffle_partitions=n))
started = time.perf_counter() - t0
spark.sql("SELECT 1").collect()
q = []
for _ in range(20):
    t = time.perf_counter(); spark.sql("SELECT count(*) FROM range(1000)").collect(); q.append(time.perf_counter() - t)
t = time.perf_counter()
done = features_job(spark, data, out, model=model)
job = time.perf_counter() - t
spark.stop()
print(json.dumps({"session_start_s": started, "query_overhead_s": statistics.median(q), "job_seconds": job,
                  "rows": sum(r.rows for r in done), "chunks": len(done)}))
"""


def spark_curve(args: argparse.Namespace) -> dict:
    """The chunked job (features, or scores with ``--model``) on Spark local with 1, 2, ... workers."""
    points = []
    with tempfile.TemporaryDirectory(prefix="cf-scale-bench-") as tmp:
        for n in args.workers:
            m = measured([sys.executable, "-c", _SPARK_CHILD, str(args.data), str(Path(tmp) / f"out{n}"),
                          str(args.model or ""), str(n)])
            r = json.loads(m["stdout"].strip().splitlines()[-1])
            points.append({"workers": n, **r, "cpu_seconds": m["cpu_seconds"], "peak_rss_mib": m["peak_rss_mib"],
                           "rows_per_s": r["rows"] / r["job_seconds"]})
    return {"data": str(args.data), "model": str(args.model) if args.model else None, "points": points}


def print_spark(doc: dict) -> None:
    what = "scores" if doc["model"] else "features"
    print(f"Spark local, {what} as one task per time chunk ({doc['points'][0]['chunks']} chunks, "
          f"{doc['points'][0]['rows']:,} rows)")
    print(f"{'workers':>8}{'start s':>9}{'query s':>9}{'job s':>9}{'rows/s':>10}{'CPU s':>9}{'peak MiB':>10}")
    for p in doc["points"]:
        print(f"{p['workers']:>8}{p['session_start_s']:>9.1f}{p['query_overhead_s']:>9.3f}{p['job_seconds']:>9.1f}"
              f"{p['rows_per_s']:>10,.0f}{p['cpu_seconds']:>9.1f}{p['peak_rss_mib']:>10.0f}")
    print("query s: median wall time of a trivial query (Spark's per-query overhead); CPU s is the driver's "
          "Python only (the JVM and its Python workers are not its reaped children): compare wall time")


# -- run: the workflow end to end -----------------------------------------------------------------

def _scenario(args: argparse.Namespace, work: Path) -> str:
    if args.rows is None:
        return args.scenario
    persons = max(100, round(args.rows / ROWS_PER_PERSON))
    path = work / f"scale-{args.rows}.yaml"
    path.write_text(f"""name: scale-bench
description: The default economy scaled to about {args.rows:,} transactions.
start_date: 2024-01-01
days: 180
population:
  persons: {persons}
  businesses: {max(40, persons // 10)}
output:
  chunk_rows: 2000000
  rows_per_file: 20000000
""", encoding="utf-8")
    return str(path)


def run(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="cf-scale-bench-") as tmp_s:
        work = args.keep or Path(tmp_s)
        work.mkdir(parents=True, exist_ok=True)
        data, model, alerts = work / "data", work / "model.json", work / "alerts.parquet"
        stages: dict[str, dict] = {}
        if not (data / "manifest.json").exists():
            stages["simulate"] = measured(_cli("simulate", "--scenario", _scenario(args, work), "--seed",
                                               str(args.seed), "--out", str(data), "--overwrite", "--json",
                                               "--workers", str(args.workers)))
        manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
        rows = manifest["tables"]["transactions"]["rows"]
        first = dt.date.fromisoformat(manifest["start_date"])
        days = (dt.date.fromisoformat(manifest["end_date"]) - first).days + 1
        until = (first + dt.timedelta(days=round(days * TRAIN_SHARE))).isoformat()
        valid = (first + dt.timedelta(days=round(days * (TRAIN_SHARE + VALID_SHARE)))).isoformat()
        engine = ["--engine", args.engine, "--memory-limit", args.memory_limit]
        stages["train"] = measured(_cli("train", str(data), "--until", until, "--validate-until", valid,
                                        "--model", str(model), "--threshold", "best-f1", "--json", *engine))
        stages["detect"] = measured(_cli("detect", str(data), "--model", str(model), "--out", str(alerts),
                                         "--overwrite", "--json", "--show", "0", *engine))
        stages["evaluate"] = measured(_cli("evaluate", str(alerts), "--data", str(data), "--from", valid, "--json",
                                           "--memory-limit", args.memory_limit))
    ev = json.loads(stages["evaluate"]["stdout"])
    doc = {"rows": rows, "days": days, "engine": args.engine, "workers": args.workers,
           "split": {"train_until": until, "valid_until": valid},
           "stages": {k: {"rows": rows, "seconds": v["seconds"], "cpu_seconds": v["cpu_seconds"],
                          "rows_per_cpu_s": rows / max(v["cpu_seconds"], 1e-9), "peak_rss_mib": v["peak_rss_mib"]}
                      for k, v in stages.items()},
           "test": {k: ev.get(k) for k in ("f1", "precision", "recall", "value_recall")},
           "alerts": json.loads(stages["detect"]["stdout"]).get("alerts")}
    if args.reference:
        ref = json.loads(Path(args.reference).read_text(encoding="utf-8"))
        doc["reference"] = {"file": str(args.reference), "rows": ref["rows"], "engine": ref.get("engine")}
        for k, st in doc["stages"].items():
            if k in ref["stages"]:
                # Cost per row here over the reference's: 1.0 is linear growth.
                st["cost_per_row_vs_reference"] = ref["stages"][k]["rows_per_cpu_s"] / st["rows_per_cpu_s"]
    return doc


def print_run(doc: dict) -> None:
    print(f"{doc['rows']:,} transactions over {doc['days']} days; engine {doc['engine']}; "
          f"train before {doc['split']['train_until']}, test from {doc['split']['valid_until']}")
    ref = doc.get("reference")
    print(f"{'stage':<10}{'seconds':>10}{'CPU s':>10}{'rows/CPU-s':>12}{'peak MiB':>10}"
          + (f"{'cost/row vs ' + format(ref['rows'], ','):>24}" if ref else ""))
    for k, st in doc["stages"].items():
        line = (f"{k:<10}{st['seconds']:>10.1f}{st['cpu_seconds']:>10.1f}{st['rows_per_cpu_s']:>12,.0f}"
                f"{st['peak_rss_mib']:>10.0f}")
        if ref and "cost_per_row_vs_reference" in st:
            line += f"{st['cost_per_row_vs_reference']:>24.2f}"
        print(line)
    t = doc["test"]
    print(f"{doc['alerts']:,} alerts; test period F1 {t['f1']:.3f} (precision {t['precision']:.3f}, "
          f"recall {t['recall']:.3f}, value recall {t['value_recall']:.3f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("features", help="features: this checkout against the previous implementation")
    f.add_argument("--data", type=Path, required=True, help="dataset directory")
    f.add_argument("--days", type=int, default=28)
    f.add_argument("--start", type=int, default=60, help="first day, counted from the dataset's first")
    f.add_argument("--baseline-ref", default="21ac9ee", help="git revision of the previous implementation")
    f.add_argument("--rounds", type=int, default=2)
    r = sub.add_parser("run", help="simulate, train, detect, evaluate end to end")
    r.add_argument("--scenario", default="large")
    r.add_argument("--rows", type=int, help="the default economy scaled to about this many transactions")
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--workers", type=int, default=0, help="simulate --workers (0: one per core)")
    r.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    r.add_argument("--memory-limit", default="2GB")
    r.add_argument("--keep", type=Path, help="work directory to keep (and reuse its dataset)")
    r.add_argument("--reference", type=Path, help="JSON of an earlier run to compare cost per row with")
    sp = sub.add_parser("spark", help="the chunked Spark job in local mode, 1, 2, ... workers")
    sp.add_argument("--data", type=Path, required=True, help="dataset directory")
    sp.add_argument("--model", type=Path, help="score with this model (else features)")
    sp.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    for p in (f, r, sp):
        p.add_argument("--out", type=Path, help="write the figures as JSON here")
        p.add_argument("--json", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    doc = {"features": features, "run": run, "spark": spark_curve}[args.cmd](args)
    doc["bench_seconds"] = time.perf_counter() - t0
    if args.out:
        args.out.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        {"features": print_features, "run": print_run, "spark": print_spark}[args.cmd](doc)


if __name__ == "__main__":
    main()
