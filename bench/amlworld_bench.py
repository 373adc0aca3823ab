"""The AMLworld import path end to end: export a labeled dataset as AMLworld CSV, then train, detect
and evaluate on the CSV alone, with the ``counterflow`` command.

One command: ``python bench/amlworld_bench.py [--rows 300000] [--keep DIR] [--data DATASET]``.

It generates a labeled dataset like ``bench/quality_bench.py`` does (or takes ``--data``), writes it
with ``counterflow export amlworld``, and runs ``counterflow train CSV``, ``detect CSV`` and
``evaluate ... --data CSV`` on a temporal split (first 60 % of days train, next 20 % set the
threshold at the alert budget, last 20 % are the test). Every command imports the CSV afresh,
as a user's would. The CSV carries only what AMLworld has (time, banks, accounts, amounts,
currencies, payment format, the laundering flag), so party, trade and place features are empty:
the F1 here measures what survives the format, not the full engine. Prints each step's time
and the test F1, precision, recall and value recall; ``--json`` prints the whole report.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality_bench import TRAIN_SHARE, VALID_SHARE, generate  # noqa: E402


def _cli(*args: str) -> tuple[dict, float]:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "counterflow.cli.main", *args, "--json"], capture_output=True,
                         text=True, check=False)
    seconds = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"counterflow {args[0]} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout), seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=300_000, help="transactions to generate (about)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", type=Path, help="use this dataset instead of generating one")
    ap.add_argument("--keep", type=Path, help="work directory to keep (dataset, CSV, model, alerts)")
    ap.add_argument("--budget", type=float, default=0.005, help="alert budget: share of transactions flagged")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="cf-amlworld-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        data = args.data or work / "data"
        if not (data / "manifest.json").exists():
            generate(data, args.rows, args.seed)
        csv, model, alerts = work / "trans.csv", work / "model.json", work / "alerts.parquet"
        steps = {}
        steps["export"], s_export = _cli("export", "amlworld", str(data), "--out", str(csv), "--overwrite")
        # The split from the CSV's own dates, as a user of the file would set it.
        with csv.open(encoding="utf-8") as f:
            next(f)
            first = dt.datetime.strptime(next(f).split(",")[0], "%Y/%m/%d %H:%M")
        lines = csv.read_bytes().rstrip().rsplit(b"\n", 1)[-1].decode()
        last = dt.datetime.strptime(lines.split(",")[0], "%Y/%m/%d %H:%M")
        day0 = dt.datetime(first.year, first.month, first.day)
        days = (last - day0).days + 1
        until = (day0 + dt.timedelta(days=round(days * TRAIN_SHARE))).date().isoformat()
        valid = (day0 + dt.timedelta(days=round(days * (TRAIN_SHARE + VALID_SHARE)))).date().isoformat()
        steps["train"], s_train = _cli("train", str(csv), "--until", until, "--validate-until", valid,
                                       "--model", str(model), "--budget", str(args.budget))
        steps["detect"], s_detect = _cli("detect", str(csv), "--model", str(model), "--from", valid,
                                         "--out", str(alerts), "--overwrite", "--show", "0")
        steps["evaluate"], s_eval = _cli("evaluate", str(alerts), "--data", str(csv), "--from", valid)
    ev = steps["evaluate"]
    doc = {"rows": steps["export"]["rows"], "split": {"train_until": until, "valid_until": valid},
           "seconds": {"export": s_export, "train": s_train, "detect": s_detect, "evaluate": s_eval},
           "test": {k: ev[k] for k in ("f1", "precision", "recall", "value_recall")},
           "alerts": steps["detect"]["alerts"], "by_detector": steps["detect"]["by_detector"],
           "typologies": ev["typologies"], "note": "timings on a shared machine are noisy"}
    if args.json:
        print(json.dumps(doc, indent=2))
        return
    print(f"AMLworld CSV of {doc['rows']:,} transactions; train before {until}, threshold until {valid}, test after")
    print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in doc["seconds"].items()))
    t = doc["test"]
    print(f"test: F1 {t['f1']:.3f}, precision {t['precision']:.3f}, recall {t['recall']:.3f}, "
          f"value recall {t['value_recall']:.3f}; {doc['alerts']:,} alerts ({doc['by_detector']})")


if __name__ == "__main__":
    main()
