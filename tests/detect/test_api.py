"""The detection workflow's options: listed parties feeding the hop features, alert-count budget."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from counterflow.cli.main import app
from counterflow.dataset.reader import open_dataset
from counterflow.detect import api
from counterflow.detect.features import FeatureBuilder
from counterflow.detect.model import LightGBMScorer
from tests.detect.builders import T0, Txn, World, amlworld_csv, write

SDN = Path(__file__).parents[1] / "screen" / "fixtures" / "ofac-2024" / "sdn.csv"
DAY = 1440.0
runner = CliRunner()


def _listed_world() -> World:
    """Party 1 is ZHENG Fujing (on the SDN list). Days 0-1: 1 pays 2, 3 pays 2; day 5: 1 pays 2 again
    and 3 pays 4. On day 5, through the payments before it, 2 is one hop from 1, 3 two hops, 4 none."""
    w = World()
    w.parties[1] = {"name": "ZHENG Fujing", "birth_date": dt.date(1983, 6, 11), "nationality": "CN",
                    "country": "CN"}
    w.parties.update({2: {"name": "Maria Lopez"}, 3: {"name": "John Carter"}, 4: {"name": "Ana Ruiz"}})
    w.add(Txn(0, 1, 2, 500), Txn(DAY, 3, 2, 700), Txn(5 * DAY, 1, 2, 900), Txn(5 * DAY + 60, 3, 4, 300))
    return w


class _Recorder(LightGBMScorer):
    """Scores nothing; keeps the feature chunks it is asked to score."""

    def __init__(self) -> None:
        super().__init__()
        self.threshold_ = 2.0
        self.seen: list[pa.Table] = []

    def decision_function(self, X: pa.Table) -> np.ndarray:  # type: ignore[override]
        self.seen.append(X)
        return np.zeros(X.num_rows)


def test_listed_parties_feed_the_hop_features(tmp_path: Path) -> None:
    with open_dataset(write(_listed_world(), tmp_path / "ds")) as ds:
        listed = api.listed_party_ids(ds, [str(SDN)])
        assert listed.column("party_id").to_pylist() == [1]
        rec = _Recorder()
        api.detect(ds, scorer=rec, listed=listed)
        plain = _Recorder()
        api.detect(ds, scorer=plain)
    X = pa.concat_tables(rec.seen)
    hops = {(r["src_account"], r["dst_account"], r["ts"]): (r["src_listed_hop"], r["dst_listed_hop"])
            for r in X.select(["src_account", "dst_account", "ts", "src_listed_hop", "dst_listed_hop"]).to_pylist()}
    assert hops == {(1, 2, T0): (0, None), (3, 2, T0 + dt.timedelta(days=1)): (None, 1),
                    (1, 2, T0 + dt.timedelta(days=5)): (0, 1),
                    (3, 4, T0 + dt.timedelta(days=5, minutes=60)): (2, None)}
    # Without a list the hop features stay null.
    Y = pa.concat_tables(plain.seen)
    assert Y.column("src_listed_hop").null_count == Y.num_rows == 4


def test_newest_shipped_snapshot_aliases() -> None:
    assert api.resolve_list("ofac-sdn") == "ofac-sdn-2024-05-03" and api.resolve_list("un") == "un-2026-02"
    assert api.resolve_list("ofac-sdn-2021-07") == "ofac-sdn-2021-07" and api.resolve_list("x.csv") == "x.csv"


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return amlworld_csv(tmp_path_factory.mktemp("aml") / "trans.csv", seed=7)


def test_train_budget_alerts_sets_the_loosest_threshold_within_the_budget(csv_path: Path, tmp_path: Path) -> None:
    model = tmp_path / "m.json"
    res = runner.invoke(app, ["train", str(csv_path), "--until", "2022-09-25", "--validate-until", "2022-10-01",
                              "--model", str(model), "--budget-alerts", "6", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    scorer = LightGBMScorer.load(model)
    assert doc["threshold"] == scorer.threshold_ and scorer.budget_["alerts"] == 6
    with api.open_data(csv_path) as ds:
        X = FeatureBuilder().transform(ds, start=dt.datetime(2022, 9, 25), end=dt.datetime(2022, 10, 1))
    s = scorer.decision_function(X)
    subjects = pa.compute.coalesce(X.column("src_account"), X.column("dst_account")).to_numpy()

    def alerts(t: float) -> int:
        return len(set(subjects[s >= t]))

    # Recount on the validation rows: within the budget, and the next lower score would exceed it.
    assert alerts(scorer.threshold_) == doc["budget_alerts"]["flagged_alerts"] <= 6
    assert doc["budget_alerts"]["flagged_transactions"] == int(np.sum(s >= scorer.threshold_))
    lower = s[s < scorer.threshold_].max()
    assert alerts(lower) > 6


def test_detect_list_option_and_model_choice(tmp_path: Path) -> None:
    data = write(_listed_world(), tmp_path / "ds")
    res = runner.invoke(app, ["detect", str(data), "--out", str(tmp_path / "a.parquet"), "--list", str(SDN),
                              "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["listed_parties"] == 1 and doc["model"] == "built-in"
    res = runner.invoke(app, ["detect", str(data), "--out", str(tmp_path / "b.parquet"), "--no-model", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["model"] is None
    res = runner.invoke(app, ["detect", str(data), "--out", str(tmp_path / "c.parquet"), "--no-model",
                              "--model", str(tmp_path / "m.json")])
    assert res.exit_code != 0 and "--no-model" in str(res.exception)
