"""Detector rules as an analyst sees them, the features behind a score, and backtesting.

:func:`detector_rules` lists each typology detector's parameters (the fields of its dataclass).
:func:`backtest` runs the detectors twice over the dataset's labeled history, as they are and with
a changed parameter set, and compares transaction precision and recall (against the dataset's
ground truth, :func:`counterflow.evaluate.metrics.evaluate`) and alerts per day, before anyone
adopts the change. The backtest runs the rules only, without the learned score, whose threshold
is a model's own.
"""

from __future__ import annotations

import dataclasses
import threading
import warnings
from typing import Any

import numpy as np

from counterflow.app.errors import AppError
from counterflow.app.store import Store

# DuckDB's dataset connection is not for concurrent use; detect and features run one at a time.
_RUN = threading.Lock()


def _detectors() -> tuple[Any, ...]:
    from counterflow.detect.detectors import DEFAULT_DETECTORS

    return DEFAULT_DETECTORS


def detector_rules(names: list[str] | None = None) -> list[dict[str, Any]]:
    out = []
    for d in _detectors():
        if names is not None and d.name not in names:
            continue
        params = {f.name: getattr(d, f.name) for f in dataclasses.fields(d) if f.name != "typologies"}
        out.append({"name": d.name, "typologies": list(d.typologies), "doc": (type(d).__doc__ or "").strip(),
                    "params": params})
    return out


def changed_detectors(overrides: dict[str, dict[str, str]]) -> tuple[Any, ...]:
    """The default detectors with parameters replaced; values are parsed to each field's type."""
    by_name = {d.name: d for d in _detectors()}
    out = []
    for d in _detectors():
        changes: dict[str, Any] = {}
        for key, raw in (overrides.get(d.name) or {}).items():
            if not hasattr(d, key) or key == "typologies":
                raise AppError(f"{d.name}: no parameter {key!r}")
            current = getattr(d, key)
            try:
                value = type(current)(raw)
            except (TypeError, ValueError):
                raise AppError(f"{d.name}.{key}: {raw!r} is not a {type(current).__name__}") from None
            if isinstance(value, (int, float)) and value < 0 and key not in ("min_fee",):
                raise AppError(f"{d.name}.{key}: must not be negative")
            if value != current:
                changes[key] = value
        out.append(dataclasses.replace(d, **changes) if changes else d)
    unknown = set(overrides) - set(by_name)
    if unknown:
        raise AppError(f"unknown detector {sorted(unknown)[0]!r}")
    return tuple(out)


def _measure(store: Store, detectors: tuple[Any, ...]) -> dict[str, Any]:
    from counterflow.detect.api import detect
    from counterflow.evaluate.metrics import evaluate

    alerts, _ = detect(store.ds, scorer=None, detectors=detectors)
    report = evaluate(alerts, store.ds)
    lo, hi = store.date_range()
    days = max(1.0, (hi - lo).total_seconds() / 86_400) if lo and hi else 1.0
    t = report["transactions"]
    return {"alerts": alerts.num_rows, "alerts_per_day": alerts.num_rows / days, "precision": t["precision"],
            "recall": t["recall"], "f1": t["f1"], "true_positives": t["true_positives"],
            "false_positives": t["false_positives"]}


def backtest(store: Store, overrides: dict[str, dict[str, str]]) -> dict[str, Any]:
    changed = changed_detectors(overrides)
    with _RUN:
        current = _measure(store, _detectors())
        proposed = _measure(store, changed)
    diff = [{"detector": a.name, "param": f.name, "current": getattr(a, f.name), "proposed": getattr(b, f.name)}
            for a, b in zip(_detectors(), changed) for f in dataclasses.fields(a)
            if getattr(a, f.name) != getattr(b, f.name)]
    return {"current": current, "proposed": proposed, "changes": diff}


def alert_features(store: Store, txn_ids: list[int], top: int = 8) -> list[dict[str, Any]]:
    """The built-in model's strongest feature contributions (SHAP values) over the alert's transactions;
    empty for alerts without transactions."""
    if not txn_ids:
        return []
    from counterflow.detect.features import FeatureBuilder
    from counterflow.detect.model import load_builtin, to_matrix

    txns = store.txns(txn_ids)
    if not txns:
        return []
    lo = min(t["ts"] for t in txns)
    hi = max(t["ts"] for t in txns)
    import datetime as dt

    scorer = load_builtin()
    builder = FeatureBuilder().fit()
    wanted = set(txn_ids)
    rows = []
    with _RUN:
        for chunk in builder.iter_chunks(store.ds, lo, hi + dt.timedelta(seconds=1)):
            ids = chunk.column("txn_id").to_pylist()
            keep = [i for i, t in enumerate(ids) if t in wanted]
            if keep:
                rows.append(to_matrix(chunk.take(keep), scorer.feature_names_))
    if not rows:
        return []
    m = np.vstack(rows)
    contrib = scorer.booster_.predict(m, pred_contrib=True)[:, :-1]
    mean = contrib.mean(axis=0)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing feature has no mean
        values = np.nanmean(m, axis=0)
    order = np.argsort(-np.abs(mean))[:top]
    return [{"feature": scorer.feature_names_[i], "contribution": float(mean[i]),
             "mean_value": None if np.isnan(values[i]) else float(values[i])} for i in order]
