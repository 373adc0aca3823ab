"""A day's transactions as parallel NumPy arrays, and their conversion to Arrow.

Generators append column arrays with :meth:`TxnRows.add`; categorical columns are small integer
codes into the vocabularies of :mod:`counterflow.dataset.vocab`, and -1 means null.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from counterflow.dataset import vocab

CUR = {c: i for i, c in enumerate(vocab.CURRENCIES)}
CHAN = {c: i for i, c in enumerate(vocab.CHANNELS)}
TYPE = {c: i for i, c in enumerate(vocab.TXN_TYPES)}
TYPOLOGY = {c: i for i, c in enumerate(vocab.TYPOLOGIES)}

# Memos people write on P2P payments, by the sender's country.
MEMOS: tuple[str, ...] = (
    "dinner",
    "rent",
    "groceries",
    "tickets",
    "birthday",
    "gas",
    "thanks!",
    "pizza",
    "utilities",
    "drinks",
    "concert",
    "babysitting",
    "renta",
    "comida",
    "gracias",
    "cumpleaños",
    "la tanda",
    "饭钱",
    "红包",
    "房租",
    "AA",
    "party",
    "loan payback",
    "uber",
)
MEMO_POOLS: dict[str, np.ndarray] = {
    "US": np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 20, 21, 22, 23]),
    "CA": np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 21, 22]),
    "MX": np.array([12, 13, 14, 15, 16, 6]),
    "CN": np.array([17, 18, 19, 20]),
    "HK": np.array([17, 18, 20, 0, 6]),
    "IN": np.array([0, 1, 2, 4, 6, 22]),
}

_INT_COLS = {
    "ts": np.int64,
    "src": np.int64,
    "dst": np.int64,
    "amount_paid": np.float64,
    "cur_paid": np.int8,
    "amount_received": np.float64,
    "cur_received": np.int8,
    "channel": np.int8,
    "txn_type": np.int8,
    "location": np.int32,
    "shipment": np.int64,
    "memo": np.int16,
    "illicit": np.bool_,
    "typology": np.int8,
    "case": np.int64,
}
_DEFAULTS = {
    "src": -1,
    "dst": -1,
    "location": -1,
    "shipment": -1,
    "memo": -1,
    "illicit": False,
    "typology": -1,
    "case": -1,
}


class TxnRows:
    """Accumulates column arrays from several generators for one day."""

    def __init__(self) -> None:
        self._parts: dict[str, list[np.ndarray]] = {k: [] for k in _INT_COLS}
        self.n = 0

    def add(
        self,
        *,
        ts: np.ndarray,
        amount_paid: np.ndarray,
        cur_paid: np.ndarray | int,
        channel: np.ndarray | int,
        txn_type: np.ndarray | int,
        amount_received: np.ndarray | None = None,
        cur_received: np.ndarray | int | None = None,
        **optional: np.ndarray | int | bool,
    ) -> None:
        n = len(ts)
        if n == 0:
            return
        cols: dict[str, object] = {
            "ts": ts,
            "amount_paid": amount_paid,
            "cur_paid": cur_paid,
            "channel": channel,
            "txn_type": txn_type,
            "amount_received": amount_paid if amount_received is None else amount_received,
            "cur_received": cur_paid if cur_received is None else cur_received,
        }
        unknown = set(optional) - set(_DEFAULTS)
        if unknown:
            raise TypeError(f"unknown transaction columns: {sorted(unknown)}")
        for k, default in _DEFAULTS.items():
            cols[k] = optional.get(k, default)
        for k, v in cols.items():
            arr = np.asarray(v, dtype=_INT_COLS[k])
            if arr.ndim == 0:
                arr = np.broadcast_to(arr, (n,))  # a constant: no memory until needed
            elif len(arr) != n:
                raise ValueError(f"column {k} has {len(arr)} values, expected {n}")
            self._parts[k].append(arr)
        self.n += n

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: concat(v, _INT_COLS[k]) for k, v in self._parts.items()}


def is_constant(a: np.ndarray) -> bool:
    """True for a broadcast constant (stride 0), which costs no memory and needs no sorting."""
    return a.ndim == 1 and len(a) > 0 and a.strides[0] == 0


def concat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    """Concatenate column parts, keeping a constant column constant."""
    if not parts:
        return np.empty(0, dtype=dtype)
    if all(is_constant(p) for p in parts) and all(p[0] == parts[0][0] for p in parts):
        return np.broadcast_to(parts[0][:1], (sum(len(p) for p in parts),))
    return np.concatenate(parts)


def _dict_col(codes: np.ndarray, values: tuple[str, ...]) -> pa.DictionaryArray:
    if is_constant(codes) and codes[0] < 0:
        return pa.DictionaryArray.from_arrays(pa.nulls(len(codes), pa.int8()), pa.array(values, pa.string()))
    codes = np.ascontiguousarray(codes, dtype=np.int8)
    mask = codes < 0
    idx = pa.array(codes, mask=mask if mask.any() else None)
    return pa.DictionaryArray.from_arrays(idx, pa.array(values, pa.string()))


def _nullable(a: np.ndarray, type_: pa.DataType) -> pa.Array:
    if is_constant(a) and a[0] < 0:
        return pa.nulls(len(a), type_)
    a = np.ascontiguousarray(a)
    mask = a < 0
    return pa.array(a, type=type_, mask=mask if mask.any() else None)


def to_arrow(cols: dict[str, np.ndarray], first_txn_id: int) -> tuple[pa.Table, pa.Table]:
    """(transactions, transaction_labels) tables for time-sorted columns."""
    n = len(cols["ts"])
    txn_id = np.arange(first_txn_id, first_txn_id + n, dtype=np.int64)
    memo = _dict_col(cols["memo"], MEMOS)
    txns = pa.table(
        {
            "txn_id": txn_id,
            "ts": pa.array(cols["ts"] * 1000, type=pa.timestamp("ms")),
            "src_account": _nullable(cols["src"], pa.int64()),
            "dst_account": _nullable(cols["dst"], pa.int64()),
            "amount_paid": cols["amount_paid"],
            "currency_paid": _dict_col(cols["cur_paid"], vocab.CURRENCIES),
            "amount_received": cols["amount_received"],
            "currency_received": _dict_col(cols["cur_received"], vocab.CURRENCIES),
            "channel": _dict_col(cols["channel"], vocab.CHANNELS),
            "txn_type": _dict_col(cols["txn_type"], vocab.TXN_TYPES),
            "location_id": _nullable(cols["location"], pa.int32()),
            "shipment_id": _nullable(cols["shipment"], pa.int64()),
            "memo": memo,
        }
    )
    labels = pa.table(
        {
            "txn_id": txn_id,
            "is_illicit": np.ascontiguousarray(cols["illicit"]),
            "typology": _dict_col(cols["typology"], vocab.TYPOLOGIES),
            "case_id": _nullable(cols["case"], pa.int64()),
        }
    )
    return txns, labels


def sort_by_time(cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Stable sort of one day's rows by time.

    Sorting the values ``(seconds into the day << 24) | row`` and reading the row back from
    the low bits is a stable order by time, and sorting plain integers is several times faster
    than an index sort.
    """
    ts = cols["ts"]
    n = len(ts)
    if n == 0:
        return cols
    if n >= 1 << 24 or ts.max() - ts.min() >= 1 << 38:
        order = np.argsort(ts, kind="stable")
    else:
        key = ((ts - ts.min()) << 24) | np.arange(n, dtype=np.int64)
        order = np.sort(key) & ((1 << 24) - 1)
    # Constant columns (labels on legitimate days, most optional columns) need no reordering.
    return {k: v if is_constant(v) else v[order] for k, v in cols.items()}
