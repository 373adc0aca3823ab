"""Training data bounded by chunks: features written to Parquet chunk by chunk, read back in batches.

Training on months of a bank's transactions must not hold every feature row in memory (136
float64 columns are about 1.1 KB a row: 6 GB for 5 M rows, twice that once LightGBM copies them).
:func:`spill_features` writes each time chunk's features to a Parquet file as it comes and keeps
only the labels and the alert subjects (9 bytes a row); :class:`ParquetRows` hands the file to
LightGBM as a :class:`lightgbm.Sequence`, which samples rows for its bins and then reads
batches, so the trees are built from LightGBM's binned copy (one byte per value) and one batch
at a time. Scoring reads the same batches (:func:`score_batches`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import lightgbm as lgb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from counterflow.detect.model import to_matrix

if TYPE_CHECKING:
    from collections.abc import Callable

    from counterflow.dataset.reader import Dataset
    from counterflow.detect.features import FeatureBuilder
    from counterflow.engine.pipeline import Engine

# Rows per Parquet row group and per batch handed to LightGBM: 65,536 rows of 136 float64
# features are 71 MB.
BATCH_ROWS = 65_536


@dataclass
class SpilledFeatures:
    """Features of a time range on disk, with their labels and alert subjects in memory."""

    path: Path
    names: list[str]
    y: np.ndarray          # is_illicit per row, file order
    subjects: np.ndarray   # the paying account, or the receiving one where there is none

    @property
    def rows(self) -> int:
        return len(self.y)

    def sequence(self) -> ParquetRows:
        return ParquetRows(self.path, self.names)


def spill_features(builder: FeatureBuilder, ds: Dataset, path: Path, *, start: dt.datetime | None = None,
                   end: dt.datetime | None = None, engine: Engine | None = None,
                   labels: Callable[[pa.Array], np.ndarray] | None = None) -> SpilledFeatures:
    """Compute the features of [start, end) chunk by chunk into the Parquet file ``path``.

    ``labels`` maps a chunk's txn_id column to its labels (none: all False)."""
    names = builder.feature_names_
    schema = pa.schema([(n, pa.float64()) for n in names])
    ys: list[np.ndarray] = []
    subjects: list[np.ndarray] = []
    with pq.ParquetWriter(path, schema) as w:
        for chunk in builder.iter_chunks(ds, start, end, engine):
            if chunk.num_rows == 0:
                continue
            w.write_table(pa.table([chunk.column(n).cast(pa.float64()) for n in names], schema=schema),
                          row_group_size=BATCH_ROWS)
            ys.append(labels(chunk.column("txn_id")) if labels else np.zeros(chunk.num_rows, bool))
            subjects.append(np.asarray(pc.coalesce(chunk.column("src_account"), chunk.column("dst_account"))
                                       .to_numpy(zero_copy_only=False)))
    return SpilledFeatures(path, list(names), _concat(ys, bool), _concat(subjects, np.int64))


def _concat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype)


class ParquetRows(lgb.Sequence):  # type: ignore[misc]
    """A Parquet file of feature columns as rows of a float64 matrix (nulls as NaN), for LightGBM.

    Row groups are decoded whole and the last one kept, so LightGBM's sampling (sorted row
    indices) and its batch reads each decode every group about once."""

    batch_size = BATCH_ROWS

    def __init__(self, path: Path, names: list[str]) -> None:
        self.file = pq.ParquetFile(path)
        self.names = names
        sizes = [self.file.metadata.row_group(g).num_rows for g in range(self.file.num_row_groups)]
        self.starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self._cached: tuple[int, np.ndarray] | None = None

    def __len__(self) -> int:
        return int(self.starts[-1])

    def _group(self, g: int) -> np.ndarray:
        if self._cached is None or self._cached[0] != g:
            self._cached = (g, to_matrix(self.file.read_row_group(g, columns=self.names), self.names))
        return self._cached[1]

    def _rows(self, a: int, b: int) -> np.ndarray:
        parts = []
        while a < b:
            g = int(np.searchsorted(self.starts, a, side="right")) - 1
            stop = min(b, int(self.starts[g + 1]))
            parts.append(self._group(g)[a - self.starts[g]:stop - self.starts[g]])
            a = stop
        return np.vstack(parts) if parts else np.zeros((0, len(self.names)))

    def __getitem__(self, idx: int | slice | list[int]) -> np.ndarray:
        n = len(self)
        if isinstance(idx, slice):
            a, b, step = idx.indices(n)
            if step != 1:
                raise TypeError("ParquetRows reads contiguous slices only")
            return self._rows(a, b)
        if isinstance(idx, list | np.ndarray):
            return np.vstack([self[int(i)] for i in idx]) if len(idx) else np.zeros((0, len(self.names)))
        i = int(idx)
        if not -n <= i < n:
            raise IndexError(f"row {i} out of range for {n} rows")
        return self._rows(i % n, i % n + 1)[0]
