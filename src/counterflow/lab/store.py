"""A lab run folder: JSON summaries and Parquet tables, each written atomically.

Layout (every part optional; ``lab report`` renders what is there):

- ``calibration.json`` (fit, scores, baselines, priors), ``posterior.parquet`` (particles),
  ``forecast.parquet`` (one row per draw, seed, forecast kind, outcome, year);
- ``event_2019.json`` (China's May 2019 scheduling as a test of the lever);
- ``batch.json`` and ``batch.parquet`` (``lab run``: outcomes per scenario, draw, seed);
- ``sensitivity.json`` (Morris and Sobol indices);
- ``plan.json`` (``lab plan``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from counterflow.errors import InputError
from counterflow.files import atomic_file


def _clean(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def write_json(path: Path, doc: Any) -> None:
    with atomic_file(path) as tmp:
        tmp.write_text(json.dumps(_clean(doc), indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                       encoding="utf-8")


def read_json(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", file=str(path)) from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON ({exc.msg}, line {exc.lineno})", file=str(path)) from exc


def write_parquet(path: Path, columns: dict[str, Any]) -> None:
    table = pa.table({k: pa.array(v) for k, v in columns.items()})
    with atomic_file(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
