"""Benchmark: transactions generated and written to Parquet per second, and peak memory.

    python bench/generate_bench.py            # 1M and 10M transactions, laundering off and on
    python bench/generate_bench.py --sizes 1000000 --modes off --keep

Each size runs in a fresh process (so peak RSS is its own) with the same population (100,000
persons, 8,000 businesses) and a horizon long enough for the target row count: memory must
stay flat as the row count grows. Per-core throughput is rows per CPU-second of that process.

Two modes. ``off``: the trafficking twin (and so the laundering twin it feeds) is switched off,
which measures the legitimate economy's generator and writer. ``on``: both twins run; the
trafficking twin's multi-year history and the laundering plan are one-off setup (measured on
their own by bench/twin_bench.py), and the day loop now also writes the laundering legs. The
foundation's target (1 million rows per CPU-second, steady) applies to both.

Two baselines run in the same session:
- write floor: writing the same rows, already in memory, with the same Parquet settings
  (what generation costs on top of the I/O);
- naive generator: one Python object per transaction, written at the end (the per-row style
  of the public AMLSim-family generators), on a smaller sample.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PERSONS, BUSINESSES = 100_000, 8_000
ROWS_PER_DAY = 113_000  # measured rate of this population; days are derived from it

CHILD = r"""
import json, resource, sys, time
from counterflow.render.pipeline import simulate
from counterflow.scenario import parse_scenario
sc = parse_scenario(sys.argv[1])
c0 = time.process_time(); w0 = time.perf_counter()
r = simulate(sc, 1, sys.argv[2], overwrite=True)
cpu = time.process_time() - c0; wall = time.perf_counter() - w0
ru = resource.getrusage(resource.RUSAGE_SELF)
import pyarrow.compute as pc, pyarrow.dataset as pads
illicit = pc.sum(pads.dataset(f"{r.path}/transaction_labels").to_table(columns=["is_illicit"])["is_illicit"])
print(json.dumps({"rows": r.transactions, "cpu_s": cpu, "wall_s": wall, "peak_rss_mb": ru.ru_maxrss / 1024,
                  "setup_cpu_s": r.setup_cpu_s, "txn_cpu_s": r.transactions_cpu_s,
                  "illicit": illicit.as_py() or 0}))
"""


def run_size(target: int, out: Path, laundering: bool) -> dict:
    days = max(1, round(target / ROWS_PER_DAY))
    scenario = {
        "name": f"bench-{target}", "days": days,
        "population": {"persons": PERSONS, "businesses": BUSINESSES},
        "output": {"chunk_rows": 1_000_000, "rows_per_file": 10_000_000},
    }
    if not laundering:
        # No trafficking twin, so no laundering: the legitimate generator and writer alone.
        scenario["trafficking"] = {"enabled": False}
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(scenario), str(out)], capture_output=True,
                          text=True)
    if proc.returncode:
        sys.exit(f"generation failed ({'laundering on' if laundering else 'laundering off'}):\n{proc.stderr}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["days"] = days
    res["laundering"] = laundering
    res["bytes"] = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return res


def write_floor(dataset: Path) -> dict:
    """Rewrite the first million rows with the dataset's own Parquet settings."""
    import pyarrow.parquet as pq

    from counterflow.dataset import schema as sch
    from counterflow.dataset.writer import _parquet_options

    txn = pq.read_table(next((dataset / "transactions").glob("*.parquet"))).slice(0, 1_000_000)
    lab = pq.read_table(next((dataset / "transaction_labels").glob("*.parquet"))).slice(0, 1_000_000)
    txn, lab = txn.combine_chunks(), lab.combine_chunks()
    with tempfile.TemporaryDirectory() as tmp:
        c0 = time.process_time()
        pq.write_table(txn, f"{tmp}/t.parquet", **_parquet_options(sch.table("transactions"), "zstd"))
        pq.write_table(lab, f"{tmp}/l.parquet", **_parquet_options(sch.table("transaction_labels"), "zstd"))
        cpu = time.process_time() - c0
    return {"rows": txn.num_rows, "cpu_s": cpu}


def naive(rows: int = 200_000) -> dict:
    """A per-row generator: Python objects per transaction, then one write."""
    import random

    import pyarrow as pa
    import pyarrow.parquet as pq

    rnd = random.Random(1)
    c0 = time.process_time()
    out = []
    accounts = 100_000
    for i in range(rows):
        out.append({
            "txn_id": i, "ts": 1_704_067_200 + i * 2, "src": rnd.randrange(accounts),
            "dst": rnd.randrange(accounts), "amount": round(rnd.lognormvariate(3.5, 1.0), 2),
            "currency": "USD", "channel": rnd.choice(("CARD", "ACH", "WIRE")), "is_illicit": False,
        })
    with tempfile.TemporaryDirectory() as tmp:
        pq.write_table(pa.Table.from_pylist(out), f"{tmp}/n.parquet", compression="zstd")
    return {"rows": rows, "cpu_s": time.process_time() - c0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000000,10000000", help="comma-separated target row counts")
    ap.add_argument("--modes", default="off,on", help="laundering off, on, or both (comma-separated)")
    ap.add_argument("--keep", action="store_true", help="keep the generated datasets")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    modes = [m.strip() for m in args.modes.split(",")]
    if not modes or set(modes) - {"off", "on"}:
        ap.error(f"--modes: expected off, on or off,on, got {args.modes!r}")
    results = {"cores_used": 1, "runs": []}
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        names = []
        for mode in modes:
            for n in sizes:
                print(f"generating ~{n:,} transactions, laundering {mode} ...", file=sys.stderr, flush=True)
                names.append(f"ds-{n}-laundering-{mode}")
                res = run_size(n, Path(tmp) / names[-1], mode == "on")
                res["rows_per_cpu_s"] = res["rows"] / res["cpu_s"]
                res["steady_rows_per_cpu_s"] = res["rows"] / res["txn_cpu_s"]
                results["runs"].append(res)
        results["write_floor"] = write_floor(Path(tmp) / names[0])
        if args.keep:
            for name in names:
                os.replace(Path(tmp) / name, Path(f"bench-{name}"))
    results["write_floor"]["rows_per_cpu_s"] = results["write_floor"]["rows"] / results["write_floor"]["cpu_s"]
    nv = naive()
    nv["rows_per_cpu_s"] = nv["rows"] / nv["cpu_s"]
    results["naive"] = nv
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{'launder':>7} {'rows':>12} {'illicit':>8} {'days':>5} {'cpu s':>7} {'setup':>6} {'wall s':>7} "
          f"{'rows/cpu-s':>11} {'steady rows/cpu-s':>18} {'peak RSS MB':>12} {'MB on disk':>11}")
    for r in results["runs"]:
        print(f"{'on' if r['laundering'] else 'off':>7} {r['rows']:>12,} {r['illicit']:>8,} {r['days']:>5} "
              f"{r['cpu_s']:>7.1f} {r['setup_cpu_s']:>6.1f} {r['wall_s']:>7.1f} "
              f"{r['rows_per_cpu_s']:>11,.0f} {r['steady_rows_per_cpu_s']:>18,.0f} {r['peak_rss_mb']:>12,.0f} "
              f"{r['bytes'] / 1e6:>11,.0f}")
    print("steady = the day loop (generating and writing transactions), without the one-off setup "
          "(population, parties, accounts, trade plan; with laundering on, also the trafficking twin's "
          "history and the laundering plan)")
    best = max(r["steady_rows_per_cpu_s"] for r in results["runs"])
    wf, nv = results["write_floor"], results["naive"]
    print(f"baseline write floor (same rows already in memory): {wf['rows_per_cpu_s']:,.0f} rows/cpu-s; "
          f"generation+write runs at {best / wf['rows_per_cpu_s']:.2f}x of it")
    print(f"baseline naive per-row generator: {nv['rows_per_cpu_s']:,.0f} rows/cpu-s; "
          f"ours is {best / nv['rows_per_cpu_s']:.1f}x faster")
    for mode in (False, True):
        runs = [r for r in results["runs"] if r["laundering"] == mode]
        if len(runs) > 1:
            a, b = runs[0], runs[-1]
            print(f"laundering {'on' if mode else 'off'}: peak memory at {b['rows']:,} rows is "
                  f"{b['peak_rss_mb'] / a['peak_rss_mb']:.2f}x that at {a['rows']:,} rows "
                  f"({b['rows'] / a['rows']:.0f}x the rows)")
    if {"off", "on"} <= set(modes):
        off = max(r["steady_rows_per_cpu_s"] for r in results["runs"] if not r["laundering"])
        on = max(r["steady_rows_per_cpu_s"] for r in results["runs"] if r["laundering"])
        print(f"laundering on runs the day loop at {on / off:.2f}x the rate with it off "
              f"(target: at least 1,000,000 rows/cpu-s either way; on: {on:,.0f})")


if __name__ == "__main__":
    main()
