"""Detection quality benchmark: our features against raw fields and Snap ML's Graph Feature Preprocessor.

One command: ``python bench/quality_bench.py [--rows 5000000] [--keep DIR] [--snapml-python PY]``.

It generates a labeled dataset of about ``--rows`` transactions (the default economy over 180
days, its population scaled to the row count; the laundering twin plants the illicit rows), or
reuses the one in ``--keep``. It splits the transactions by time: the first 60 % of days train the
trees, the next 20 % (validation) set the threshold, the last 20 % are the test. Then, each step in
a child process of its own so that its peak resident memory (``ru_maxrss``) and CPU time are its
own, three feature sets go into the same LightGBM (the project's :class:`LightGBMScorer`, same
settings) with the same threshold rule (the threshold that maximises F1 on validation):

- **ours**: Counterflow's look-ahead-free features (:class:`FeatureBuilder`);
- **raw**: the AMLworld raw fields only (amounts, currencies, payment rail, hour, weekday, banks);
- **snapml**: IBM Snap ML's Graph Feature Preprocessor (GFP) features plus the raw fields. GFP is
  fed **edge by edge** in time order, so a transaction's features count only the rows before it:
  passing a whole split in one call lets each row see the later rows of the same call.

For each: test F1 (minority class, transaction level), precision, recall, value recall, recall per
typology, feature throughput (transactions per second of wall time and per CPU-second) and peak
memory. Ours also runs end to end: ``detect`` with the trained model over the whole dataset
(typology detectors plus the model), timed, and ``evaluate`` on its alerts over the test period.
The table is printed and the figures written to ``quality.json`` in the work directory (``--out``
to choose).

Snap ML is not a project dependency: it lives in a separate virtual environment used only by this
benchmark, e.g. ``python3 -m venv snapvenv && snapvenv/bin/pip install snapml pyarrow``; pass its
interpreter with ``--snapml-python snapvenv/bin/python``. The GFP step runs there as a child
process exchanging Parquet and NumPy files. Without it, the report says so and gives the rest.
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
# The default scenario: 10,000 persons and 1,000 businesses give about 2.17 M transactions in 180 days.
ROWS_PER_PERSON = 217.0
TRAIN_SHARE, VALID_SHARE = 0.6, 0.2
# Edge by edge, GFP with these settings manages a few hundred transactions per CPU-second on the
# dense graph of a 5 M-row dataset (a day's window holds every card payment to a busy merchant):
# hours for the whole set. Above GFP_FULL_MAX rows only its throughput is measured, on a sample.
GFP_FULL_MAX = 1_500_000
GFP_SAMPLE = 20_000
# Graph Feature Preprocessor settings, as in Snap ML's AMLworld example (windows in seconds).
GFP_PARAMS = {
    "num_threads": 1, "time_window": 7 * 86_400, "vertex_stats": True, "vertex_stats_cols": [4],
    "vertex_stats_tw": 7 * 86_400, "fan": True, "fan_tw": 86_400, "degree": True, "degree_tw": 86_400,
    "scatter-gather": True, "scatter-gather_tw": 86_400, "temp-cycle": True, "temp-cycle_tw": 7 * 86_400,
    "lc-cycle": False,
}


def _usage() -> dict:
    """Wall clock, CPU seconds (all threads) and peak memory of this process so far."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"wall": time.perf_counter(), "cpu": ru.ru_utime + ru.ru_stime, "peak_rss_mib": ru.ru_maxrss / 1024}


def _spent(u0: dict) -> dict:
    u1 = _usage()
    return {"seconds": u1["wall"] - u0["wall"], "cpu_seconds": u1["cpu"] - u0["cpu"],
            "peak_rss_mib": u1["peak_rss_mib"]}


# -- children: each writes its files under ``work`` and prints one JSON line ----------------------

def child_base(data: str, work: Path) -> dict:
    """Labels, amounts, split dates, the raw fields (timed: the raw baseline's features) and GFP's edges."""
    import datetime as dt

    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from counterflow.dataset.reader import open_dataset
    from counterflow.detect.base import txn_base_sql
    from counterflow.engine.duckdb import DuckDBEngine
    from counterflow.engine.pipeline import Pipeline

    with open_dataset(data) as ds:
        lo, hi = ds.fetchall("SELECT min(ts), max(ts) FROM transactions")[0]
        day0 = dt.datetime(lo.year, lo.month, lo.day)
        days = (hi - day0).days + 1
        train_until = day0 + dt.timedelta(days=round(days * TRAIN_SHARE))
        valid_until = day0 + dt.timedelta(days=round(days * (TRAIN_SHARE + VALID_SHARE)))
        eng = DuckDBEngine(ds.con)
        truth = eng.arrow(Pipeline("truth").add("txn", txn_base_sql(eng.dialect, None, None)).add("truth", """
SELECT t.txn_id, t.e, t.src_account, t.dst_account, coalesce(t.amount_usd, 0) AS amount_usd,
       coalesce(l.is_illicit, false) AS y, CAST(l.typology AS VARCHAR) AS typology
FROM txn t LEFT JOIN transaction_labels l ON l.txn_id = t.txn_id ORDER BY t.e, t.txn_id"""))
        u0 = _usage()
        raw = ds.sql("""
SELECT t.txn_id, t.amount_paid, t.amount_received, hash(CAST(t.currency_paid AS VARCHAR)) % 1000 AS cur_paid,
       hash(CAST(t.currency_received AS VARCHAR)) % 1000 AS cur_received,
       hash(CAST(t.channel AS VARCHAR)) % 1000 AS channel, hash(CAST(t.txn_type AS VARCHAR)) % 1000 AS txn_type,
       hour(t.ts) AS hour, dayofweek(t.ts) AS weekday, sa.bank_id AS src_bank, da.bank_id AS dst_bank
FROM transactions t LEFT JOIN accounts sa ON sa.account_id = t.src_account
LEFT JOIN accounts da ON da.account_id = t.dst_account""").to_arrow_table()
        spent = _spent(u0)
    pq.write_table(truth.drop_columns(["src_account", "dst_account"]), work / "truth.parquet")
    pq.write_table(raw, work / "raw.parquet")
    # GFP's edge list: dense vertex ids (float64 holds them exactly); a cash leg's missing side is a
    # vertex of its own, so that cash does not become one hub joining every depositor.
    s = truth.column("src_account").fill_null(-1).to_numpy()
    d = truth.column("dst_account").fill_null(-1).to_numpy()
    ids, inv = np.unique(np.concatenate([s, d]), return_inverse=True)
    inv = inv.astype(np.float64)
    n = len(s)
    fresh = len(ids) + np.arange(2 * n, dtype=np.float64)
    inv = np.where(np.concatenate([s, d]) == -1, fresh, inv)
    edges = pa.table({"edge": np.arange(n, dtype=np.float64), "src": inv[:n], "dst": inv[n:],
                      "t": truth.column("e").to_numpy().astype(np.float64),
                      "amount_usd": truth.column("amount_usd").to_numpy()})
    pq.write_table(edges, work / "edges.parquet")
    return {"transactions": truth.num_rows, "illicit": int(np.sum(truth.column("y").to_numpy(zero_copy_only=False))),
            "first": str(lo), "last": str(hi), "train_until": str(train_until), "valid_until": str(valid_until),
            "raw_features": raw.num_columns - 1, "raw": spent}


def child_ours(data: str, work: Path, chunk_days: int, memory_limit: str | None) -> dict:
    """Counterflow's features over the whole dataset, chunk by chunk; only computing is timed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from counterflow.dataset.reader import open_dataset
    from counterflow.detect.features import FeatureBuilder

    builder = FeatureBuilder(chunk_days=chunk_days).fit()
    names = builder.feature_names_
    schema = pa.schema([("txn_id", pa.int64())] + [(n, pa.float32()) for n in names])
    rows, wall, cpu = 0, 0.0, 0.0
    with open_dataset(data, memory_limit=memory_limit) as ds, pq.ParquetWriter(work / "ours.parquet", schema) as w:
        it = builder.iter_chunks(ds)
        while True:
            u0 = _usage()
            chunk = next(it, None)
            spent = _spent(u0)
            wall, cpu = wall + spent["seconds"], cpu + spent["cpu_seconds"]
            if chunk is None:
                break
            rows += chunk.num_rows
            w.write_table(pa.table([chunk.column("txn_id")] + [chunk.column(n).cast(pa.float32()) for n in names],
                                   schema=schema))
    return {"transactions": rows, "features": len(names), "seconds": wall, "cpu_seconds": cpu,
            "peak_rss_mib": _usage()["peak_rss_mib"]}


def child_gfp(work: Path, sample: int) -> dict:
    """Snap ML GFP features, edge by edge (runs under the Snap ML interpreter: numpy, pyarrow, snapml).

    With ``sample`` > 0 only its throughput is measured: ``sample`` edges from the middle of the
    data, after the edges of the window before them are inserted (``partial_fit``, untimed), so the
    graph is as full as in a whole run; no features are kept and no F1 follows."""
    import numpy as np
    import pyarrow.parquet as pq
    from snapml import GraphFeaturePreprocessor

    t = pq.read_table(work / "edges.parquet")
    X = np.column_stack([t.column(c).to_numpy() for c in ("edge", "src", "dst", "t", "amount_usd")])
    gfp = GraphFeaturePreprocessor()
    gfp.set_params(dict(GFP_PARAMS))
    if sample > 0:
        mid = (X[0, 3] + X[-1, 3]) / 2
        a = int(np.searchsorted(X[:, 3], mid))
        warm = int(np.searchsorted(X[:, 3], X[a, 3] - GFP_PARAMS["time_window"]))
        b = min(len(X), a + sample)
        gfp.partial_fit(np.ascontiguousarray(X[warm:a]))
        u0 = _usage()
        for i in range(a, b):
            gfp.transform(X[i:i + 1])
        return {"transactions": b - a, "sampled": True, "warm_up_edges": a - warm, **_spent(u0)}
    u0 = _usage()
    first = gfp.transform(X[:1])
    out = np.empty((len(X), first.shape[1] - X.shape[1]), dtype=np.float32)
    out[0] = first[0, X.shape[1]:]
    step = max(1, len(X) // 20)
    for i in range(1, len(X)):
        # One edge per call: its features are computed on the graph of the edges before it.
        out[i] = gfp.transform(X[i:i + 1])[0, X.shape[1]:]
        if i % step == 0:
            print(f"  GFP {i:,} of {len(X):,} edges, {time.perf_counter() - u0['wall']:.0f} s", file=sys.stderr,
                  flush=True)
    spent = _spent(u0)
    np.save(work / "gfp.npy", out)
    return {"transactions": len(X), "features": out.shape[1], **spent}


def quality(flag, y, usd, typology) -> dict:  # type: ignore[no-untyped-def]
    """Transaction-level minority-class F1, precision, recall, value recall, and recall per typology."""
    import numpy as np

    tp, fp, fn = int(np.sum(flag & y)), int(np.sum(flag & ~y)), int(np.sum(~flag & y))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    usd_all = float(usd[y].sum())
    per = {}
    for code in sorted({c for c in typology[y] if c is not None}):
        m = y & (typology == code)
        per[code] = {"support": int(m.sum()), "flagged": int(np.sum(flag & m)), "recall": float(np.mean(flag[m])),
                     "value_recall": float(usd[m & flag].sum() / usd[m].sum()) if usd[m].sum() else 0.0}
    return {"f1": 2 * p * r / (p + r) if p + r else 0.0, "precision": p, "recall": r,
            "value_recall": float(usd[flag & y].sum()) / usd_all if usd_all else 0.0,
            "true_positives": tp, "false_positives": fp, "false_negatives": fn, "typologies": per}


def _load_matrix(kind: str, work: Path, truth_ids):  # type: ignore[no-untyped-def]
    """Features of ``kind`` as a float32 matrix in the order of ``truth_ids``, and their names."""
    import numpy as np
    import pyarrow.parquet as pq

    def aligned(path: Path) -> tuple:
        t = pq.read_table(path)
        ids = t.column("txn_id").to_numpy()
        pos = np.searchsorted(np.sort(ids), truth_ids)
        order = np.argsort(ids, kind="stable")[pos]
        if not np.array_equal(ids[order], truth_ids):
            raise SystemExit(f"{path.name}: transactions do not match the dataset's")
        names = [c for c in t.column_names if c != "txn_id"]
        m = np.empty((len(truth_ids), len(names)), dtype=np.float32)
        for j, n in enumerate(names):
            m[:, j] = t.column(n).to_numpy(zero_copy_only=False).astype(np.float32)[order]
        return m, names

    raw, raw_names = aligned(work / "raw.parquet")
    if kind == "raw":
        return raw, raw_names
    if kind == "snapml":
        g = np.load(work / "gfp.npy")  # already in truth (time) order
        return np.hstack([raw, g]), raw_names + [f"gfp_{i}" for i in range(g.shape[1])]
    return aligned(work / "ours.parquet")


def child_fit(kind: str, work: Path, split: dict) -> dict:
    """Train on the first period, threshold on validation, score the test period."""
    import datetime as dt

    import numpy as np
    import pyarrow.parquet as pq

    from counterflow.detect.model import LightGBMScorer, f1_threshold

    truth = pq.read_table(work / "truth.parquet")
    ids = truth.column("txn_id").to_numpy()
    e = truth.column("e").to_numpy()
    y = truth.column("y").to_numpy(zero_copy_only=False).astype(bool)
    usd = truth.column("amount_usd").to_numpy()
    typ = np.array(truth.column("typology").to_pylist(), dtype=object)
    X, names = _load_matrix(kind, work, ids)

    def epoch(s: str) -> int:
        return int(dt.datetime.fromisoformat(s).replace(tzinfo=dt.timezone.utc).timestamp())

    # Rows are in time order: the periods are slices (views, not copies of the matrix).
    a, b = int(np.searchsorted(e, epoch(split["train_until"]))), int(np.searchsorted(e, epoch(split["valid_until"])))
    tr, va, te = slice(0, a), slice(a, b), slice(b, len(e))
    u0 = _usage()
    scorer = LightGBMScorer().fit(X[tr], y[tr], feature_names=names, X_valid=X[va], y_valid=y[va])
    fit = _spent(u0)
    scorer.threshold_ = f1_threshold(scorer.decision_function(X[va]), y[va])
    u1 = _usage()
    flag = scorer.decision_function(X[te]) >= scorer.threshold_
    score = _spent(u1)
    if kind == "ours":
        scorer.save(work / "ours_model.json")
    return {"kind": kind, "features": len(names), "threshold": scorer.threshold_,
            "rows": {"train": a, "validation": b - a, "test": len(e) - b},
            "illicit": {"train": int(y[tr].sum()), "validation": int(y[va].sum()), "test": int(y[te].sum())},
            "test": quality(flag, y[te], usd[te], typ[te]), "fit_seconds": fit["seconds"],
            "score_seconds": score["seconds"], "peak_rss_mib": _usage()["peak_rss_mib"]}


def child_detect(data: str, work: Path, split: dict, memory_limit: str | None) -> dict:
    """End to end over the whole dataset (timed): detectors plus the trained model; then its alerts
    evaluated over the test period."""
    import datetime as dt

    from counterflow.dataset.reader import open_dataset
    from counterflow.detect.api import detect
    from counterflow.detect.model import LightGBMScorer
    from counterflow.evaluate import evaluate

    start = dt.datetime.fromisoformat(split["valid_until"])
    scorer = LightGBMScorer.load(work / "ours_model.json")
    with open_dataset(data, memory_limit=memory_limit) as ds:
        n = ds.fetchall("SELECT count(*) FROM transactions")[0][0]
        u0 = _usage()
        alerts, evidence = detect(ds, scorer=scorer)
        spent = _spent(u0)
        doc = evaluate(alerts, ds, start=start)
    return {"transactions": n, "alerts": alerts.num_rows, **spent,
            "test": {k: doc[k] for k in ("f1", "precision", "recall", "value_recall")}
            | {"typologies": doc["typologies"], "accounts": doc["accounts"], "cases": doc["cases"]}}


# -- driver ---------------------------------------------------------------------------------------

def _run(python: str, *args: str, saved: Path | None = None, reuse: bool = False) -> dict:
    """One child, its result saved to ``saved``; with ``reuse``, a result saved there before instead."""
    if reuse and saved is not None and saved.exists():
        return json.loads(saved.read_text(encoding="utf-8"))
    # stderr passes through: the children's progress lines reach the user as they come.
    out = subprocess.run([python, __file__, *args], stdout=subprocess.PIPE, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{args[1]} failed with exit code {out.returncode} (its messages are above)")
    res = json.loads(out.stdout.strip().splitlines()[-1])
    if saved is not None:
        saved.write_text(json.dumps(res), encoding="utf-8")
    return res


def generate(data: Path, rows: int, seed: int) -> None:
    persons = max(100, round(rows / ROWS_PER_PERSON))
    scenario = data.parent / f"quality-{rows}.yaml"
    scenario.write_text(f"""name: quality-bench
description: The default economy scaled to about {rows:,} transactions, for the quality benchmark.
start_date: 2024-01-01
days: 180
population:
  persons: {persons}
  businesses: {max(40, persons // 10)}
""", encoding="utf-8")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "counterflow.cli.main", "simulate", "--scenario", str(scenario),
                    "--seed", str(seed), "--out", str(data), "--overwrite", "--json"], check=True,
                   capture_output=True)
    print(f"generated {data} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


def _table(doc: dict) -> str:
    lines = [f"{doc['transactions']:,} transactions ({doc['illicit']:,} illicit), "
             f"test from {doc['split']['valid_until']}",
             f"{'features':<22}{'n':>5}{'F1':>7}{'prec':>7}{'recall':>8}{'value r':>9}{'txn/s':>11}"
             f"{'txn/CPU-s':>11}{'peak MiB':>10}"]
    for kind, label in (("ours", "ours + LightGBM"), ("raw", "raw + LightGBM"), ("snapml", "Snap ML GFP + LightGBM")):
        f, ft = doc["fits"].get(kind), doc["features"].get(kind)
        if ft is not None and ft.get("sampled"):
            lines.append(f"{label:<22}{'':>5}{'F1 not measured: sampled':>31}{ft['txn_per_s']:>11,.0f}"
                         f"{ft['txn_per_cpu_s']:>11,.0f}{ft['peak_rss_mib']:>10.0f}")
            lines.append(f"  (GFP timed on {ft['transactions']:,} edges from the middle of the data after "
                         f"{ft['warm_up_edges']:,} edges of warm-up; the whole set would take about "
                         f"{doc['transactions'] / ft['txn_per_cpu_s'] / 3600:.1f} CPU-hours)")
            continue
        if f is None:
            lines.append(f"{label:<22}  not run: {doc['features'].get(kind + '_error', 'unavailable')}")
            continue
        t = f["test"]
        lines.append(f"{label:<22}{f['features']:>5}{t['f1']:>7.3f}{t['precision']:>7.3f}{t['recall']:>8.3f}"
                     f"{t['value_recall']:>9.3f}{ft['txn_per_s']:>11,.0f}{ft['txn_per_cpu_s']:>11,.0f}"
                     f"{ft['peak_rss_mib']:>10.0f}")
    d = doc.get("detect")
    if d:
        t = d["test"]
        lines.append(f"{'ours: detect e2e':<22}{'':>5}{t['f1']:>7.3f}{t['precision']:>7.3f}{t['recall']:>8.3f}"
                     f"{t['value_recall']:>9.3f}{d['transactions'] / d['seconds']:>11,.0f}"
                     f"{d['transactions'] / max(d['cpu_seconds'], 1e-9):>11,.0f}{d['peak_rss_mib']:>10.0f}")
        lines.append(f"detect over all {d['transactions']:,} transactions: {d['seconds']:.1f} s, "
                     f"{d['cpu_seconds']:.1f} CPU-s, {d['alerts']:,} alerts (quality over the test period)")
    ours, snap = doc["features"].get("ours"), doc["features"].get("snapml")
    if ours and snap:
        lines.append(f"ours / Snap ML GFP feature throughput per CPU-second: "
                     f"{ours['txn_per_cpu_s'] / snap['txn_per_cpu_s']:.1f}x")
    if "ours" in doc["fits"] and "snapml" in doc["fits"]:
        gap = doc["fits"]["ours"]["test"]["f1"] - doc["fits"]["snapml"]["test"]["f1"]
        lines.append(f"F1 ours - Snap ML GFP: {gap:+.3f}")
    codes = sorted({c for f in doc["fits"].values() for c in f["test"]["typologies"]})
    if codes:
        lines.append("recall per typology (test): " + "; ".join(
            f"{c}: " + ", ".join(f"{k} {f['test']['typologies'][c]['recall']:.2f}"
                                 for k, f in doc["fits"].items() if c in f["test"]["typologies"]) for c in codes))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000, help="transactions to generate (about)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, help="work directory: the dataset is generated into (or reused from) "
                                              "DIR/data, features and results are kept there")
    ap.add_argument("--snapml-python", help="interpreter of a virtual environment with snapml, numpy and pyarrow")
    ap.add_argument("--gfp-sample", type=int, help="measure GFP's throughput only, on this many edges from the "
                    f"middle of the data (default: {GFP_SAMPLE:,} when the data has over {GFP_FULL_MAX:,} "
                    "transactions, else none: GFP runs on every edge and is fitted)")
    ap.add_argument("--chunk-days", type=int, default=30, help="feature chunk size in days")
    ap.add_argument("--memory-limit", default="2GB", help="DuckDB's memory cap for our features and detect "
                                                         "(as `detect --memory-limit`; 'none': DuckDB's default)")
    ap.add_argument("--out", type=Path, help="JSON results file (default: quality.json in the work directory)")
    ap.add_argument("--resume", action="store_true", help="with --keep: reuse the steps a previous run finished")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--split", help=argparse.SUPPRESS)
    ap.add_argument("--kind", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_limit and args.memory_limit.lower() == "none":
        args.memory_limit = None
    if args.child:
        split = json.loads(args.split) if args.split else {}
        res = {"base": lambda: child_base(args.data, args.work),
               "ours": lambda: child_ours(args.data, args.work, args.chunk_days, args.memory_limit),
               "gfp": lambda: child_gfp(args.work, args.gfp_sample or 0),
               "fit": lambda: child_fit(args.kind, args.work, split),
               "detect": lambda: child_detect(args.data, args.work, split, args.memory_limit)}[args.child]()
        print(json.dumps(res))
        return
    with tempfile.TemporaryDirectory(prefix="cf-quality-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        data = work / "data"
        if not (data / "manifest.json").exists():
            generate(data, args.rows, args.seed)
        py = sys.executable
        common = ["--data", str(data), "--work", str(work)]

        def step(name: str) -> dict:
            return {"saved": work / f"step-{name}.json" if args.keep else None, "reuse": args.resume}

        base = _run(py, "--child", "base", *common, **step("base"))
        split = json.dumps({k: base[k] for k in ("train_until", "valid_until")})
        print(f"{base['transactions']:,} transactions; features...", file=sys.stderr)
        feats = {"ours": _run(py, "--child", "ours", *common, "--chunk-days", str(args.chunk_days),
                              "--memory-limit", args.memory_limit or "none", **step("ours")),
                 "raw": {"transactions": base["transactions"], **base["raw"]}}
        sample = args.gfp_sample if args.gfp_sample is not None else (
            GFP_SAMPLE if base["transactions"] > GFP_FULL_MAX else 0)
        if args.snapml_python:
            print("Snap ML GFP, edge by edge" + (f", throughput on {sample:,} edges only..." if sample else "..."),
                  file=sys.stderr)
            try:
                feats["snapml"] = _run(args.snapml_python, "--child", "gfp", *common, "--gfp-sample", str(sample),
                                       **step("gfp"))
            except (RuntimeError, OSError) as exc:
                feats["snapml_error"] = str(exc).splitlines()[-1]
        else:
            feats["snapml_error"] = "no --snapml-python given (a virtual environment with snapml)"
        for k in ("ours", "raw", "snapml"):
            if k in feats:
                f = feats[k]
                f["txn_per_s"] = f["transactions"] / f["seconds"]
                f["txn_per_cpu_s"] = f["transactions"] / max(f["cpu_seconds"], 1e-9)
        fits = {}
        for k in ("ours", "raw", "snapml"):
            if k in feats and not feats[k].get("sampled"):
                print(f"fitting {k}...", file=sys.stderr)
                fits[k] = _run(py, "--child", "fit", "--kind", k, "--work", str(work), "--split", split,
                               **step(f"fit-{k}"))
        print("detect end to end...", file=sys.stderr)
        det = _run(py, "--child", "detect", *common, "--split", split, "--memory-limit", args.memory_limit or "none",
                   **step("detect"))
        doc = {"rows_requested": args.rows, "seed": args.seed, "transactions": base["transactions"],
               "illicit": base["illicit"], "split": {k: base[k] for k in ("first", "train_until", "valid_until",
                                                                           "last")},
               "threshold_rule": "highest F1 on the validation period", "gfp_params": GFP_PARAMS,
               "duckdb_memory_limit": args.memory_limit,
               "features": feats, "fits": fits, "detect": det,
               "note": "timings on a shared machine are noisy; compare rows of the same run"}
        out = args.out or work / "quality.json"
        out.write_text(json.dumps(doc, indent=2), encoding="utf-8")
        print(_table(doc))
        print(f"results: {out}")


if __name__ == "__main__":
    main()
