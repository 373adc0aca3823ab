"""Train, detect: the detection workflow over a dataset directory or an AMLworld-style CSV.

A CSV is imported into a temporary dataset first (:func:`open_data`), so both go through the
same code path. Training uses a temporal split: rows before ``until`` train the trees, rows from
``until`` to ``validate_until`` set the threshold for the alert budget.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa

from counterflow.dataset.reader import Dataset, open_dataset
from counterflow.detect.alerts import MODEL_DETECTOR, build_alerts, limit_alerts
from counterflow.detect.base import txn_base_sql
from counterflow.detect.cases import group_cases
from counterflow.detect.detectors import DEFAULT_DETECTORS, Detector, run_detectors
from counterflow.detect.detectors.base import EVIDENCE_SCHEMA, evidence_select
from counterflow.detect.features import FeatureBuilder
from counterflow.detect.model import LightGBMScorer, alert_count_threshold, f1_threshold
from counterflow.detect.spill import spill_features
from counterflow.engine.pipeline import Engine, Pipeline
from counterflow.engine.registry import open_engine
from counterflow.errors import InputError

log = logging.getLogger(__name__)


@contextmanager
def open_data(path: str | Path, *, memory_limit: str | None = None) -> Iterator[Dataset]:
    """A dataset from a dataset directory, or from an AMLworld-style CSV imported for the occasion;
    ``memory_limit`` caps the DuckDB engine's memory (:class:`Dataset`)."""
    p = Path(path)
    if p.is_dir():
        with open_dataset(p, memory_limit=memory_limit) as ds:
            yield ds
        return
    if not p.is_file():
        raise InputError("no such dataset directory or CSV file", file=str(p))
    from counterflow.dataset.amlworld import import_amlworld

    with tempfile.TemporaryDirectory(prefix="counterflow-import-") as tmp:
        with open_dataset(import_amlworld(p, Path(tmp) / "ds"), memory_limit=memory_limit) as ds:
            yield ds


def labels_for(ds: Dataset, txn_ids: pa.Array, engine: Engine | None = None,
               override: pa.Table | None = None) -> np.ndarray:
    """Ground truth (is_illicit) for the given transactions, in their order; ``override`` (txn_id,
    is_illicit: an analyst's dispositions, e.g. the web app's labels export) takes precedence."""
    eng = engine or open_engine("duckdb", ds)
    eng.register("_cf_ids", pa.table({"txn_id": txn_ids, "k": pa.array(np.arange(len(txn_ids)))}))
    if override is not None:
        eng.register("_cf_override", override.select(["txn_id", "is_illicit"]))
    join = "LEFT JOIN _cf_override o ON o.txn_id = i.txn_id" if override is not None else ""
    first = "o.is_illicit, " if override is not None else ""
    try:
        t = eng.arrow(Pipeline("labels").add("labels", f"""
SELECT i.k, coalesce({first}l.is_illicit, false) AS y FROM _cf_ids i
LEFT JOIN transaction_labels l ON l.txn_id = i.txn_id {join} ORDER BY i.k"""))
    finally:
        eng.drop("_cf_ids")
        if override is not None:
            eng.drop("_cf_override")
    return t.column("y").to_numpy(zero_copy_only=False).astype(bool)


def listed_party_ids(ds: Dataset, lists: list[str]) -> pa.Table:
    """party_id of the dataset's parties that screening against ``lists`` matches (verdict 'match').

    ``lists`` holds shipped list ids (``ofac-sdn`` and ``un`` name the newest shipped snapshot of
    each) or paths to list files, as ``counterflow screen --list`` takes them.
    """
    from counterflow.screen.features import listed_parties
    from counterflow.screen.index import ScreeningIndex
    from counterflow.screen.lists import load_list
    from counterflow.screen.match import Screener

    screener = Screener(ScreeningIndex([load_list(resolve_list(s)) for s in lists]))
    return listed_parties(screener, ds.arrow("parties")).select(["party_id"])


def resolve_list(spec: str) -> str:
    """``ofac-sdn`` and ``un`` stand for the newest shipped snapshot of each publisher's list;
    anything else (a shipped list id, a list file) is passed on as it is."""
    from counterflow.screen.lists import SHIPPED

    newest: dict[str, str] = {}
    for item in sorted(SHIPPED, key=lambda s: s.published):
        newest["ofac-sdn" if item.publisher == "OFAC" else item.publisher.lower()] = item.list_id
    return newest.get(spec, spec)


def train(ds: Dataset, until: dt.datetime, *, validate_until: dt.datetime | None = None,
          scorer: LightGBMScorer | None = None, builder: FeatureBuilder | None = None,
          engine: str = "duckdb", budget_alerts: int | None = None, best_f1: bool = False,
          labels: pa.Table | None = None) -> LightGBMScorer:
    """Fit the learned score on rows before ``until``; threshold on [until, validate_until).

    The threshold flags the scorer's ``alert_budget`` share of those rows, or, with
    ``budget_alerts``, the rows of at most that many alerts (flagged rows grouped by account, as
    ``detect`` groups them) over the threshold period, or, with ``best_f1``, the threshold with the
    highest F1 there (the rule benchmark comparisons use). ``engine`` names the engine that
    computes the features (:mod:`counterflow.engine.registry`). ``labels`` (txn_id, is_illicit)
    replaces the dataset's ground truth for the transactions it names (:func:`labels_for`)."""
    if best_f1 and budget_alerts is not None:
        raise ValueError("choose one threshold rule: budget_alerts or best_f1")
    builder = (builder or FeatureBuilder()).fit()
    scorer = scorer or LightGBMScorer()
    eng = open_engine(engine, ds)

    labels_override = labels  # the name is taken by the callback spill_features wants

    def labels(ids: pa.Array) -> np.ndarray:  # noqa: F811
        return labels_for(ds, ids, eng, override=labels_override)

    # Features go to disk chunk by chunk and LightGBM reads them back in batches, so memory is
    # bounded by a chunk and LightGBM's binned copy, not by the rows trained on (detect.spill).
    with tempfile.TemporaryDirectory(prefix="counterflow-train-") as tmp:
        train_rows = spill_features(builder, ds, Path(tmp) / "train.parquet", end=until, engine=eng, labels=labels)
        if train_rows.rows == 0:
            raise InputError(f"no transactions before {until:%Y-%m-%d} to train on", file=str(ds.path))
        valid_rows = None
        if validate_until is not None:
            valid_rows = spill_features(builder, ds, Path(tmp) / "valid.parquet", start=until, end=validate_until,
                                        engine=eng, labels=labels)
            if valid_rows.rows == 0:
                valid_rows = None
        log.info("training on %d transactions (%d illicit)", train_rows.rows, int(train_rows.y.sum()))
        scorer.fit(train_rows.sequence(), train_rows.y, feature_names=builder.feature_names_,
                   X_valid=valid_rows.sequence() if valid_rows else None,
                   y_valid=valid_rows.y if valid_rows else None)
        if best_f1:
            ref = valid_rows or train_rows
            scores = scorer.decision_function(ref.sequence())
            if not ref.y.any():
                raise InputError("--threshold best-f1 needs laundering among the threshold period's "
                                 "transactions", file=str(ds.path))
            scorer.threshold_ = f1_threshold(scores, ref.y)
            hit = scores >= scorer.threshold_
            tp = int(np.sum(hit & ref.y))
            scorer.budget_ = {"rule": "best-f1", "f1": 2 * tp / (int(hit.sum()) + int(ref.y.sum())),
                              "flagged_transactions": int(hit.sum()),
                              "rows": "validation" if valid_rows is not None else "training"}
        if budget_alerts is not None:
            ref = valid_rows or train_rows
            scores = scorer.decision_function(ref.sequence())
            scorer.threshold_ = alert_count_threshold(scores, ref.subjects, budget_alerts)
            flagged = np.unique(ref.subjects[scores >= scorer.threshold_])
            scorer.budget_ = {"alerts": budget_alerts, "flagged_alerts": int(len(flagged)),
                              "flagged_transactions": int(np.sum(scores >= scorer.threshold_)),
                              "rows": "validation" if valid_rows is not None else "training"}
    return scorer


def model_evidence(ds: Dataset, scored: pa.Table, threshold: float, engine: Engine | None = None) -> pa.Table:
    """Evidence rows for the transactions scoring at or above ``threshold``."""
    flagged = scored.filter(pa.compute.greater_equal(scored.column("score"), threshold))
    eng = engine or open_engine("duckdb", ds)
    eng.register("_cf_flagged", flagged.select(["txn_id", "score"]))
    cols = evidence_select(
        MODEL_DETECTOR, "", subject_account="coalesce(t.src_account, t.dst_account)", txn_id="t.txn_id",
        ts="t.ts", role="'scored transaction'", amount="t.amount_paid", currency="t.currency_paid",
        amount_usd="t.amount_usd", counterparty="CASE WHEN t.src_account IS NULL THEN NULL ELSE t.dst_account END",
        country="t.dst_country", state="t.loc_state", location_id="t.location_id", score="f.score")
    lo = scored.column("ts").to_pylist() and min(scored.column("ts").to_pylist())
    hi = scored.column("ts").to_pylist() and max(scored.column("ts").to_pylist()) + dt.timedelta(seconds=1)
    try:
        return eng.arrow(Pipeline("model_evidence")
                         .add("txn", txn_base_sql(eng.dialect, lo or None, hi or None))
                         .add("evidence", f"SELECT {cols} FROM txn t JOIN _cf_flagged f ON f.txn_id = t.txn_id "
                                          "ORDER BY subject_account, ts, txn_id")).cast(EVIDENCE_SCHEMA)
    finally:
        eng.drop("_cf_flagged")


def score_transactions(ds: Dataset, scorer: LightGBMScorer, start: dt.datetime | None = None,
                       end: dt.datetime | None = None, builder: FeatureBuilder | None = None,
                       engine: Engine | None = None) -> pa.Table:
    """(txn_id, ts, score) for every transaction in [start, end), computed chunk by chunk."""
    builder = builder or FeatureBuilder()
    parts = []
    for chunk in builder.iter_chunks(ds, start, end, engine):
        parts.append(pa.table({"txn_id": chunk.column("txn_id"), "ts": chunk.column("ts"),
                               "score": pa.array(scorer.decision_function(chunk) if chunk.num_rows else [],
                                                 pa.float64())}))
    if not parts:
        return pa.table({"txn_id": pa.array([], pa.int64()), "ts": pa.array([], pa.timestamp("us")),
                         "score": pa.array([], pa.float64())})
    return pa.concat_tables(parts)


def detect(ds: Dataset, *, scorer: LightGBMScorer | None = None, start: dt.datetime | None = None,
           end: dt.datetime | None = None, detectors: tuple[Detector, ...] = DEFAULT_DETECTORS,
           cases: bool = False, case_window_s: int = 7 * 86_400,
           budget_alerts: int | None = None, listed: pa.Table | None = None,
           engine: str = "duckdb") -> tuple[pa.Table, pa.Table]:
    """Alerts and their evidence for [start, end). Without a scorer, the typology detectors alone;
    with one, its flagged transactions are evidence too. ``cases`` merges connected flagged
    accounts into one alert per case (:mod:`counterflow.detect.cases`); ``budget_alerts`` keeps
    the highest-ranked alerts (or cases) only; ``listed`` (party_id of listed or known-bad
    parties) fills the scorer's listed-hop features. ``engine`` names the engine that runs the
    detectors and features (:mod:`counterflow.engine.registry`)."""
    lo, hi = ds.fetchall("SELECT min(ts), max(ts) FROM transactions")[0]
    if lo is None:
        raise InputError("the dataset has no transactions", file=str(ds.path))
    a = start or lo
    b = end or hi + dt.timedelta(seconds=1)
    eng = open_engine(engine, ds)
    evidence = run_detectors(eng, a, b, detectors)
    scores: dict[int, float] = {}
    threshold = None
    if scorer is not None:
        scored = score_transactions(ds, scorer, a, b, FeatureBuilder(listed=listed), engine=eng)
        threshold = scorer.threshold_
        ev = model_evidence(ds, scored, threshold, eng)
        evidence = pa.concat_tables([evidence, ev.cast(evidence.schema)])
        flagged = scored.filter(pa.compute.greater_equal(scored.column("score"), threshold))
        scores = dict(zip(flagged.column("txn_id").to_pylist(), flagged.column("score").to_pylist()))
    alerts = build_alerts(evidence, detectors, txn_scores=scores, threshold=threshold)
    if cases:
        alerts = group_cases(alerts, evidence, case_window_s)
    return limit_alerts(alerts, budget_alerts), evidence
