"""Detection benchmark: feature throughput, end-to-end detect time and peak memory, beside a baseline.

One command: ``python bench/detect_bench.py [--scenario default] [--days 14] [--keep DIR]``.
It generates a dataset with ``counterflow simulate`` (legitimate activity is enough for speed),
then runs each measurement in a child process of its own so that its peak resident memory
(``ru_maxrss`` of the child) is its own:

- **features**: Counterflow's look-ahead-free features over ``--days`` days (transactions/s);
- **detect**: features-free end-to-end ``detect`` (typology detectors, alerts) over the same days;
- **baseline features**: raw transaction fields only (amount, currencies, channel, hour, banks),
  what a LightGBM-on-raw-fields model starts from;
- **baseline end-to-end**: those fields, plus fitting and scoring LightGBM. With no labeled
  laundering in legit-only data the trees are fitted on random labels: this times the work, it
  says nothing about quality.

Quality (F1 against raw-field and Snap ML GFP + LightGBM baselines on labeled data) is measured
by ``bench/quality_bench.py``.
"""

from __future__ import annotations

import argparse
import json
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
    return {"kind": kind, "transactions": n, "seconds": seconds, **extra,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


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


def _run(kind: str, data: Path, days: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--data", str(data), "--days", str(days)],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="default")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--keep", type=Path, help="generate into (or reuse) this directory")
    ap.add_argument("--json", action="store_true")
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
        res = {k: _run(k, data, args.days) for k in ("features", "detect", "baseline_features", "baseline_e2e")}
    rate = {k: r["transactions"] / r["seconds"] for k, r in res.items()}
    doc = {
        "scenario": args.scenario, "days": args.days, "transactions": res["features"]["transactions"],
        "results": res,
        "feature_throughput_txn_per_s": rate["features"],
        "baseline_feature_throughput_txn_per_s": rate["baseline_features"],
        "ratios": {"feature_throughput_vs_baseline": rate["features"] / rate["baseline_features"],
                   "detect_time_vs_baseline_e2e": res["detect"]["seconds"] / res["baseline_e2e"]["seconds"],
                   "detect_peak_rss_vs_baseline_e2e":
                       res["detect"]["peak_rss_mib"] / res["baseline_e2e"]["peak_rss_mib"]},
        "quality": "not measured here: see bench/quality_bench.py (F1 against raw-field and Snap ML GFP "
                   "baselines on labeled data)",
    }
    if args.json:
        print(json.dumps(doc, indent=2))
        return
    print(f"{args.scenario}, {args.days} days, {doc['transactions']:,} transactions")
    print(f"{'run':<20}{'seconds':>10}{'txn/s':>12}{'peak MiB':>10}")
    for k, r in res.items():
        print(f"{k:<20}{r['seconds']:>10.2f}{rate[k]:>12,.0f}{r['peak_rss_mib']:>10.0f}")
    for k, v in doc["ratios"].items():
        print(f"{k}: {v:.3g}")
    print(f"quality: {doc['quality']}")


if __name__ == "__main__":
    main()
