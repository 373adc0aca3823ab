"""Detection benchmark: feature throughput, end-to-end detect time and peak memory, beside a baseline.

One command: ``python bench/detect_bench.py [--scenario default] [--days 14] [--keep DIR]
[--snapml-python PATH]``.
It generates a dataset with ``counterflow simulate`` (legitimate activity is enough for speed),
then runs each measurement in a child process of its own so that its peak resident memory
(``ru_maxrss`` of the child) is its own:

- **features**: Counterflow's look-ahead-free features over ``--days`` days (transactions per
  second and per CPU-second of the process, all its threads counted);
- **detect**: features-free end-to-end ``detect`` (typology detectors, alerts) over the same days;
- **baseline features**: raw transaction fields only (amount, currencies, channel, hour, banks),
  what a LightGBM-on-raw-fields model starts from;
- **baseline end-to-end**: those fields, plus fitting and scoring LightGBM. With no labeled
  laundering in legit-only data the trees are fitted on random labels: this times the work, it
  says nothing about quality.

- **snapml_gfp_default** / **snapml_gfp_mirror**: IBM Snap ML's Graph Feature Preprocessor fed
  the same transactions edge by edge (``bench/snapml_gfp.py``, one thread, the week before as
  history): Snap ML's default patterns, and the patterns and windows of our features (slow: run on
  the first ``--snapml-mirror-rows`` transactions only). Snap ML is never a project dependency:
  give a Python that has it with ``--snapml-python`` (or ``COUNTERFLOW_SNAPML_PYTHON``), e.g. a
  venv made with ``python3 -m venv snapenv && snapenv/bin/pip install snapml``; without one the
  benchmark says so and measures the rest.

Quality (F1 against raw-field and Snap ML GFP + LightGBM baselines on labeled data) is measured
by ``bench/quality_bench.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _child(kind: str, data: str, days: int) -> dict:
    """Run one measurement in this process (called in a child)."""
    import datetime as dt

    from counterflow.dataset.reader import open_dataset

    with open_dataset(data) as ds:
        lo = ds.fetchall("SELECT min(ts) FROM transactions")[0][0]
        # Start after a month so that every window has its full look-back.
        start = dt.datetime(lo.year, lo.month, lo.day) + dt.timedelta(days=30)
        end = start + dt.timedelta(days=days)
        n = ds.fetchall("SELECT count(*) FROM transactions WHERE ts >= ? AND ts < ?", [start, end])[0][0]
        t0 = time.perf_counter()
        c0 = time.process_time()
        if kind == "snapml_edges":
            return _snapml_edges(ds, start, end)
        if kind == "features":
            from counterflow.detect.features import FeatureBuilder

            out = FeatureBuilder().transform(ds, start=start, end=end)
            extra = {"features": out.num_columns - 4}
        elif kind == "detect":
            from counterflow.detect.api import detect

            alerts, evidence = detect(ds, start=start, end=end)
            extra = {"alerts": alerts.num_rows, "evidence_rows": evidence.num_rows}
        else:
            X = _raw_fields(ds, start, end)
            extra = {"features": X.shape[1]}
            if kind == "baseline_e2e":
                import lightgbm as lgb
                import numpy as np

                rng = np.random.default_rng(0)
                y = rng.random(len(X)) < 0.001  # timing only: legit-only data has no laundering labels
                booster = lgb.train({"objective": "binary", "verbosity": -1, "num_threads": 0, "seed": 0},
                                    lgb.Dataset(X, y.astype(float)), num_boost_round=200)
                booster.predict(X)
        seconds = time.perf_counter() - t0
        cpu = time.process_time() - c0
    return {"kind": kind, "transactions": n, "seconds": seconds, "cpu_seconds": cpu, **extra,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _snapml_edges(ds, start, end) -> dict:  # type: ignore[no-untyped-def]
    """Write the payments between two accounts from a week before ``start`` to ``end`` as Snap ML's
    edge list [id, source, target, seconds, amount] in time order; returns the file and the first
    row to compute features for."""
    import datetime as dt

    import numpy as np

    t = ds.sql(f"""
SELECT txn_id, src_account, dst_account, epoch(ts) AS e, amount_paid, ts >= TIMESTAMP '{start:%Y-%m-%d %H:%M:%S}' AS o
FROM transactions
WHERE ts >= TIMESTAMP '{start - dt.timedelta(days=7):%Y-%m-%d %H:%M:%S}' AND ts < TIMESTAMP '{end:%Y-%m-%d %H:%M:%S}'
  AND src_account IS NOT NULL AND dst_account IS NOT NULL
ORDER BY ts, txn_id""").to_arrow_table()
    edges = np.column_stack([t.column(i).to_numpy(zero_copy_only=False).astype(np.float64) for i in range(5)])
    out = os.environ["CF_BENCH_EDGES"]  # set by the parent: a file in its temporary directory
    np.save(out, edges)
    is_out = t.column(5).to_numpy(zero_copy_only=False).astype(bool)
    return {"edges": out, "first": int(np.argmax(is_out)) if is_out.any() else len(is_out), "rows": len(is_out)}


def _raw_fields(ds, start, end):  # type: ignore[no-untyped-def]
    """The AMLworld raw fields as a float matrix: what the baseline model sees."""
    import numpy as np

    t = ds.sql(f"""
SELECT t.amount_paid, t.amount_received, hash(CAST(t.currency_paid AS VARCHAR)) % 1000 AS cp,
       hash(CAST(t.currency_received AS VARCHAR)) % 1000 AS cr, hash(CAST(t.channel AS VARCHAR)) % 1000 AS ch,
       hour(t.ts) AS h, dayofweek(t.ts) AS dow, sa.bank_id AS sb, da.bank_id AS db
FROM transactions t LEFT JOIN accounts sa ON sa.account_id = t.src_account
LEFT JOIN accounts da ON da.account_id = t.dst_account
WHERE t.ts >= TIMESTAMP '{start:%Y-%m-%d %H:%M:%S}' AND t.ts < TIMESTAMP '{end:%Y-%m-%d %H:%M:%S}'""").to_arrow_table()
    return np.column_stack([t.column(i).to_numpy(zero_copy_only=False).astype(float) for i in range(t.num_columns)])


def _run(kind: str, data: Path, days: int, env: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--data", str(data), "--days", str(days)],
                         capture_output=True, text=True, check=False, env=env)
    if out.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _snapml_python(arg: str | None) -> str | None:
    """A Python that can import snapml: the one given, else this one if it can, else None."""
    for py in ([arg] if arg else []) + [os.environ.get("COUNTERFLOW_SNAPML_PYTHON", ""), sys.executable]:
        if py and subprocess.run([py, "-c", "import snapml"], capture_output=True, check=False).returncode == 0:
            return py
    return None


def _run_snapml(py: str, data: Path, days: int, tmp: str, mirror_rows: int) -> dict:
    """Snap ML GFP edge by edge on the benchmark's transactions: default preset, then mirror on a prefix."""
    edges = str(Path(tmp) / "snapml_edges.npy")
    meta = _run("snapml_edges", data, days, env={**os.environ, "CF_BENCH_EDGES": edges})
    res = {}
    script = str(Path(__file__).with_name("snapml_gfp.py"))
    for preset, limit in (("default", None), ("mirror", mirror_rows)):
        path = edges
        if limit is not None:
            import numpy as np

            path = str(Path(tmp) / "snapml_edges_prefix.npy")
            np.save(path, np.load(edges)[: meta["first"] + limit])
        out = subprocess.run([py, script, path, str(meta["first"]), preset], capture_output=True, text=True,
                             check=False)
        if out.returncode != 0:
            raise SystemExit(f"snapml {preset} failed:\n{out.stderr[-4000:]}")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        res[r["kind"]] = r
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="default")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--keep", type=Path, help="generate into (or reuse) this directory")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--snapml-python", help="a Python with snapml installed, for the Snap ML GFP baseline")
    ap.add_argument("--snapml-mirror-rows", type=int, default=2000,
                    help="transactions for the (slow) Snap ML run with our patterns and windows")
    ap.add_argument("--only", choices=["features", "all"], default="all",
                    help="features: our features and the Snap ML baseline only")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.data, args.days)))
        return
    with tempfile.TemporaryDirectory(prefix="cf-detect-bench-") as tmp:
        data = args.keep or Path(tmp) / "ds"
        if not (data / "manifest.json").exists():
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "counterflow.cli.main", "simulate", "--scenario", args.scenario,
                            "--seed", str(args.seed), "--out", str(data), "--overwrite", "--json"],
                           check=True, capture_output=True)
            print(f"generated {args.scenario} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        kinds = ("features",) if args.only == "features" else ("features", "detect", "baseline_features",
                                                               "baseline_e2e")
        res = {k: _run(k, data, args.days) for k in kinds}
        snap_py = _snapml_python(args.snapml_python)
        if snap_py is None:
            print("snapml not found (give --snapml-python PATH, a Python with `pip install snapml`): "
                  "Snap ML baseline skipped", file=sys.stderr)
        else:
            res.update(_run_snapml(snap_py, data, args.days, tmp, args.snapml_mirror_rows))
    rate = {k: r["transactions"] / r["seconds"] for k, r in res.items()}
    cpu_rate = {k: r["transactions"] / r["cpu_seconds"] for k, r in res.items() if r.get("cpu_seconds")}
    ratios = {}
    if "baseline_features" in res:
        ratios = {"feature_throughput_vs_baseline": rate["features"] / rate["baseline_features"],
                  "detect_time_vs_baseline_e2e": res["detect"]["seconds"] / res["baseline_e2e"]["seconds"],
                  "detect_peak_rss_vs_baseline_e2e":
                      res["detect"]["peak_rss_mib"] / res["baseline_e2e"]["peak_rss_mib"]}
    for k in ("snapml_gfp_default", "snapml_gfp_mirror"):
        if k in cpu_rate:
            ratios[f"feature_txn_per_cpu_s_vs_{k}"] = cpu_rate["features"] / cpu_rate[k]
    doc = {
        "scenario": args.scenario, "days": args.days, "transactions": res["features"]["transactions"],
        "results": res,
        "feature_throughput_txn_per_s": rate["features"],
        "feature_throughput_txn_per_cpu_s": cpu_rate["features"],
        "ratios": ratios,
        "quality": "not measured here: see bench/quality_bench.py (F1 against raw-field and Snap ML GFP "
                   "baselines on labeled data)",
    }
    if args.json:
        print(json.dumps(doc, indent=2))
        return
    print(f"{args.scenario}, {args.days} days, {doc['transactions']:,} transactions")
    print(f"{'run':<20}{'txns':>9}{'seconds':>9}{'cpu s':>9}{'txn/s':>10}{'txn/cpu s':>11}{'peak MiB':>10}")
    for k, r in res.items():
        print(f"{k:<20}{r['transactions']:>9,}{r['seconds']:>9.2f}{r.get('cpu_seconds', float('nan')):>9.2f}"
              f"{rate[k]:>10,.0f}{cpu_rate.get(k, float('nan')):>11,.0f}{r['peak_rss_mib']:>10.0f}")
    for k, v in doc["ratios"].items():
        print(f"{k}: {v:.3g}")
    print(f"quality: {doc['quality']}")


if __name__ == "__main__":
    main()
