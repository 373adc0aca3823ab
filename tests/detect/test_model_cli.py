from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from counterflow.cli.main import app
from counterflow.detect import api
from counterflow.detect.features import FeatureBuilder
from counterflow.detect.model import LightGBMScorer, budget_threshold
from counterflow.errors import InputError
from tests.detect.builders import amlworld_csv

runner = CliRunner()


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return amlworld_csv(tmp_path_factory.mktemp("aml") / "trans.csv", seed=5)


def test_budget_threshold() -> None:
    s = np.array([0.1, 0.9, 0.5, 0.7, 0.3])
    assert budget_threshold(s, 0.4) == 0.7 and budget_threshold(s, 0.01) == 0.9 and budget_threshold(s, 1.0) == 0.1
    with pytest.raises(ValueError):
        budget_threshold(s, 0)


def test_scorer_contract_save_and_reload(csv_path: Path, tmp_path: Path) -> None:
    with api.open_data(csv_path) as ds:
        scorer = api.train(ds, dt.datetime(2022, 9, 25), validate_until=dt.datetime(2022, 10, 1),
                           scorer=LightGBMScorer(n_estimators=50, alert_budget=0.05))
        X = FeatureBuilder().transform(ds, start=dt.datetime(2022, 10, 1))
        y = api.labels_for(ds, X.column("txn_id"))
    assert scorer.feature_names_ == FeatureBuilder().fit().feature_names_ and scorer.n_features_in_ > 50
    assert set(scorer.versions_) >= {"counterflow", "lightgbm"} and 0 < scorer.threshold_ < 1
    proba = scorer.predict_proba(X)
    assert proba.shape == (X.num_rows, 2) and np.allclose(proba.sum(axis=1), 1)
    # The learned score separates the planted patterns from the background.
    assert proba[y, 1].mean() > 0.5 > proba[~y, 1].mean()
    path = scorer.save(tmp_path / "m.json")
    again = LightGBMScorer.load(path)
    assert np.array_equal(again.predict_proba(X), proba) and again.threshold_ == scorer.threshold_
    assert again.get_params() == scorer.get_params()
    (tmp_path / "bad.json").write_text('{"format": "other"}')
    with pytest.raises(InputError, match="field 'format'"):
        LightGBMScorer.load(tmp_path / "bad.json")


def test_train_detect_evaluate_commands_on_a_csv(csv_path: Path, tmp_path: Path) -> None:
    model, alerts = tmp_path / "model.json", tmp_path / "alerts.parquet"
    res = runner.invoke(app, ["train", str(csv_path), "--until", "2022-09-25", "--validate-until", "2022-10-01",
                              "--model", str(model), "--budget", "0.05", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["features"] > 50 and model.exists()
    res = runner.invoke(app, ["detect", str(csv_path), "--model", str(model), "--out", str(alerts),
                              "--from", "2022-10-01", "--json"])
    assert res.exit_code == 0, res.output
    det = json.loads(res.stdout)
    assert det["alerts"] > 0 and det["by_detector"]["model"] > 0 and alerts.exists()
    res = runner.invoke(app, ["evaluate", str(alerts), "--data", str(csv_path), "--from", "2022-10-01", "--json"])
    assert res.exit_code == 0, res.output
    ev = json.loads(res.stdout)
    assert set(ev) >= {"f1", "precision", "recall", "value_recall", "typologies", "accounts", "cases",
                       "precision_at_budget"}
    assert ev["f1"] > 0.3 and ev["recall"] > 0.3 and 0 <= ev["value_recall"] <= 1
    res = runner.invoke(app, ["evaluate", str(alerts), "--data", str(csv_path), "--from", "2022-10-01"])
    assert res.exit_code == 0 and "transactions" in res.stdout and f"{ev['f1']:.3f}" in res.stdout
    res = runner.invoke(app, ["detect", str(csv_path), "--out", str(alerts), "--no-model"])
    assert res.exit_code != 0  # exists without --overwrite
    # A memory cap changes how DuckDB works, not what it finds.
    capped = tmp_path / "capped.parquet"
    res = runner.invoke(app, ["detect", str(csv_path), "--model", str(model), "--out", str(capped),
                              "--from", "2022-10-01", "--memory-limit", "300MB", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["alerts"] == det["alerts"]
    res = runner.invoke(app, ["evaluate", str(capped), "--data", str(csv_path), "--from", "2022-10-01",
                              "--memory-limit", "lots"])
    assert res.exit_code != 0 and "--memory-limit" in str(res.exception) and "'lots'" in str(res.exception)


def test_train_threshold_best_f1_picks_the_best_f1_on_validation(csv_path: Path, tmp_path: Path) -> None:
    model = tmp_path / "f1.json"
    res = runner.invoke(app, ["train", str(csv_path), "--until", "2022-09-25", "--validate-until", "2022-10-01",
                              "--model", str(model), "--threshold", "best-f1", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    scorer = LightGBMScorer.load(model)
    assert doc["threshold_rule"] == "best-f1" and doc["threshold"] == scorer.threshold_
    with api.open_data(csv_path) as ds:
        X = FeatureBuilder().transform(ds, start=dt.datetime(2022, 9, 25), end=dt.datetime(2022, 10, 1))
        y = api.labels_for(ds, X.column("txn_id"))
    s = scorer.decision_function(X)

    def f1(t: float) -> float:
        hit = s >= t
        return 2 * int(np.sum(hit & y)) / (int(hit.sum()) + int(y.sum()))

    # No cut between the validation scores does better, and the reported F1 is the recount.
    assert f1(scorer.threshold_) == pytest.approx(doc["budget_alerts"]["f1"])
    assert f1(scorer.threshold_) >= max(f1(t) for t in np.unique(s))
    assert doc["budget_alerts"]["flagged_transactions"] == int(np.sum(s >= scorer.threshold_))
    res = runner.invoke(app, ["train", str(csv_path), "--until", "2022-09-25", "--model", str(model),
                              "--threshold", "best-f1", "--budget-alerts", "5"])
    assert res.exit_code != 0 and "--threshold" in str(res.exception)
    res = runner.invoke(app, ["train", str(csv_path), "--until", "2022-09-25", "--model", str(model),
                              "--threshold", "top"])
    assert res.exit_code != 0 and "'top'" in str(res.exception)
