"""Train the built-in model that ``counterflow detect`` uses when given no ``--model``.

One command: ``python bench/train_builtin.py [--out PATH] [--keep DIR]``.

It generates a small labeled dataset with a fixed scenario and seed (the default economy at a
fifth of its population over 120 days: about 300,000 transactions, the laundering twin's illicit
rows among them at ``cash_scale: 0.0005``, a dozen times the automatic scale of so small a world
(about 1 in 70 rows), for enough positives of every typology to learn from), computes the
features once, trains LightGBM on the first 70 % of days with one thread (so that the trees do
not depend on the machine's core count) and sets the threshold at the best F1 on the remaining
30 %. The model is written to the package
(``src/counterflow/detect/data/builtin_model.json``). Same code, same versions: same bytes, so the
model can be regenerated after the features change; a test fails while the shipped model's
feature list differs from the feature builder's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = 20240101
SCENARIO = """name: builtin-model
description: Training data of the built-in model, the default economy at a fifth of its population.
start_date: 2024-01-01
days: 120
population:
  persons: 2000
  businesses: 200
laundering:
  cash_scale: 0.0005
"""
TRAIN_SHARE = 0.7
# Fewer, smaller trees than the default scorer: the model ships in the package. A faster learning
# rate (0.08) made some raw scores run away (to 1e5) on this data, saturating probabilities at 1.0
# so that thousands of rows tied at the top; 0.05 does not.
PARAMS = {"n_estimators": 100, "num_leaves": 15, "learning_rate": 0.05, "n_jobs": 1, "random_state": 0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "counterflow" / "detect" / "data" / "builtin_model.json")
    ap.add_argument("--keep", type=Path, help="generate the training dataset into (or reuse it from) this directory")
    args = ap.parse_args()

    import numpy as np
    import pyarrow.compute as pc

    from counterflow.dataset.reader import open_dataset
    from counterflow.detect.api import labels_for
    from counterflow.detect.features import FeatureBuilder
    from counterflow.detect.model import LightGBMScorer, f1_threshold
    from counterflow.render.pipeline import simulate
    from counterflow.scenario.loader import parse_scenario

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cf-builtin-") as tmp:
        data = args.keep or Path(tmp) / "ds"
        if not (data / "manifest.json").exists():
            simulate(parse_scenario(SCENARIO, "built-in model scenario"), SEED, data, overwrite=True)
        with open_dataset(data) as ds:
            lo, hi = ds.fetchall("SELECT min(ts), max(ts) FROM transactions")[0]
            day0 = dt.datetime(lo.year, lo.month, lo.day)
            until = day0 + dt.timedelta(days=round(((hi - day0).days + 1) * TRAIN_SHARE))
            builder = FeatureBuilder().fit()
            X = builder.transform(ds)
            y = labels_for(ds, X.column("txn_id"))
        train = pc.less(X.column("ts"), until).to_numpy(zero_copy_only=False)
        scorer = LightGBMScorer(**PARAMS).fit(X.filter(train), y[train], feature_names=builder.feature_names_,
                                               X_valid=X.filter(~train), y_valid=y[~train])
        scores = scorer.decision_function(X.filter(~train))
        scorer.threshold_ = f1_threshold(scores, y[~train])
        flag = scores >= scorer.threshold_
        yv = y[~train]
        tp = int(np.sum(flag & yv))
        scorer.validation_ = {"rows": int(len(yv)), "positives": int(yv.sum()), "threshold_rule": "best F1",
                              "precision": tp / max(1, int(flag.sum())), "recall": tp / max(1, int(yv.sum()))}
        scorer.save(args.out)
    doc = {"model": str(args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out),
           "bytes": args.out.stat().st_size, "transactions": X.num_rows, "illicit": int(y.sum()),
           "train_until": until.isoformat(), "features": len(builder.feature_names_),
           "threshold": scorer.threshold_, "validation": scorer.validation_,
           "seconds": round(time.perf_counter() - t0, 1)}
    json.dump(doc, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
