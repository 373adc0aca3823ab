"""`counterflow train --labels`: the command reads the labels file and refuses a bad one before any
work (what the labels do to training is tested on ``labels_for`` in test_cases.py)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from counterflow.cli.main import app


def test_train_refuses_labels_without_the_columns(tiny_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"txn": [1]}), bad)
    r = CliRunner().invoke(app, ["train", str(tiny_path), "--until", "2024-01-20", "--model",
                                 str(tmp_path / "m.json"), "--labels", str(bad)])
    assert r.exit_code != 0 and "is_illicit" in str(r.exception) and "bad.parquet" in str(r.exception)
    not_parquet = tmp_path / "x.parquet"
    not_parquet.write_text("hello")
    r = CliRunner().invoke(app, ["train", str(tiny_path), "--until", "2024-01-20", "--model",
                                 str(tmp_path / "m.json"), "--labels", str(not_parquet)])
    assert r.exit_code != 0 and "not a Parquet labels table" in str(r.exception)


def test_train_hands_the_labels_to_the_features(tiny, monkeypatch) -> None:
    """train(labels=...) labels the spilled training rows from the override, not the dataset."""
    import datetime as dt

    import pytest

    from counterflow.detect import api

    (txn, truth), = tiny.fetchall("SELECT txn_id, is_illicit FROM transaction_labels ORDER BY txn_id LIMIT 1")
    seen = {}

    def spill(builder, ds, path, *, labels, **kw):  # noqa: ANN001, ANN003, ANN202
        seen["y"] = labels(pa.array([txn], pa.int64()))
        raise RuntimeError("stop before training")
    monkeypatch.setattr(api, "spill_features", spill)
    flip = pa.table({"txn_id": pa.array([txn], pa.int64()), "is_illicit": pa.array([not truth])})
    with pytest.raises(RuntimeError, match="stop"):
        api.train(tiny, dt.datetime(2024, 1, 20), labels=flip)
    assert list(seen["y"]) == [not truth]
