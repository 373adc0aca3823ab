"""The model shipped in the package: current with the features, and used by detect without --model."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from counterflow.cli.main import app
from counterflow.detect.features import FeatureBuilder
from counterflow.detect.model import builtin_model_path, load_builtin


def test_shipped_model_matches_the_feature_builder() -> None:
    # Fails when features change without re-running bench/train_builtin.py.
    scorer = load_builtin()
    assert scorer.feature_names_ == FeatureBuilder().fit().feature_names_
    assert 0 < scorer.threshold_ <= 1 and scorer.booster_.num_trees() > 0
    assert builtin_model_path().stat().st_size < 500_000


def test_detect_without_model_uses_the_builtin_one(tmp_path: Path) -> None:
    runner = CliRunner()
    data = tmp_path / "ds"
    res = runner.invoke(app, ["simulate", "--scenario", "tiny", "--seed", "3", "--out", str(data), "--json"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["detect", str(data), "--out", str(tmp_path / "a.parquet"), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["model"] == "built-in" and doc["by_detector"].get("model", 0) > 0
    res = runner.invoke(app, ["detect", str(data), "--out", str(tmp_path / "b.parquet"), "--no-model", "--json"])
    assert res.exit_code == 0, res.output
    assert "model" not in json.loads(res.stdout)["by_detector"]
