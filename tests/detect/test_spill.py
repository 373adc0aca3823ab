from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from counterflow.dataset.reader import Dataset
from counterflow.detect.features import FeatureBuilder
from counterflow.detect.model import LightGBMScorer, to_matrix
from counterflow.detect.spill import ParquetRows, spill_features


def _file(tmp_path: Path, n: int, group: int) -> tuple[Path, np.ndarray]:
    m = np.arange(n * 3, dtype=np.float64).reshape(n, 3)
    m[1, 2] = np.nan
    t = pa.table({"a": m[:, 0], "b": m[:, 1], "c": pa.array(m[:, 2], from_pandas=True)})
    path = tmp_path / "f.parquet"
    pq.write_table(t, path, row_group_size=group)
    return path, m


def test_parquet_rows_reads_rows_slices_and_lists_across_row_groups(tmp_path: Path) -> None:
    path, m = _file(tmp_path, 10, 4)  # row groups of 4, 4 and 2 rows
    rows = ParquetRows(path, ["a", "b", "c"])
    assert len(rows) == 10 and rows.file.num_row_groups == 3
    np.testing.assert_array_equal(rows[2:9], m[2:9])          # spans all three groups
    np.testing.assert_array_equal(rows[1], m[1])              # the null read back as NaN
    assert np.isnan(rows[1][2])
    np.testing.assert_array_equal(rows[-1], m[9])
    np.testing.assert_array_equal(rows[[9, 0, 5]], m[[9, 0, 5]])
    assert rows[3:3].shape == (0, 3)
    np.testing.assert_array_equal(ParquetRows(path, ["c", "a"])[0:2], m[0:2][:, [2, 0]])
    with pytest.raises(IndexError):
        rows[10]
    with pytest.raises(TypeError):
        rows[0:10:2]


def test_spilled_features_equal_the_transform_and_train_the_same_trees(tiny: Dataset, tmp_path: Path) -> None:
    fb = FeatureBuilder(chunk_days=2).fit()
    start = dt.datetime(2024, 1, 20)
    end = start + dt.timedelta(days=5)
    table = fb.transform(tiny, start=start, end=end)
    # Labels made up from the rows so that both classes are present; the spill must keep them in
    # row order (chunk by chunk, as the file).
    fake = {tid: (tid % 7 == 0) for tid in table.column("txn_id").to_pylist()}
    spilled = spill_features(fb, tiny, tmp_path / "x.parquet", start=start, end=end,
                             labels=lambda ids: np.array([fake[i] for i in ids.to_pylist()]))
    assert spilled.rows == table.num_rows and pq.ParquetFile(spilled.path).num_row_groups >= 3
    np.testing.assert_array_equal(spilled.sequence()[0:spilled.rows], to_matrix(table, fb.feature_names_))
    y = np.array([fake[i] for i in table.column("txn_id").to_pylist()])
    np.testing.assert_array_equal(spilled.y, y)
    subjects = pc.coalesce(table.column("src_account"), table.column("dst_account")).to_numpy()
    np.testing.assert_array_equal(spilled.subjects, subjects)

    params = {"n_estimators": 5, "n_jobs": 1}
    from_rows = LightGBMScorer(**params).fit(spilled.sequence(), spilled.y, feature_names=fb.feature_names_)
    from_table = LightGBMScorer(**params).fit(table, y, feature_names=fb.feature_names_)
    assert from_rows.booster_.model_to_string() == from_table.booster_.model_to_string()
    assert from_rows.threshold_ == from_table.threshold_
    np.testing.assert_array_equal(from_rows.decision_function(spilled.sequence()), from_table.decision_function(table))
    with pytest.raises(ValueError, match="feature_names"):
        LightGBMScorer().fit(spilled.sequence(), spilled.y)
