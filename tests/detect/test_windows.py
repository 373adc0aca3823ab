from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from counterflow.detect.windows import (
    ACCOUNT_AGGS,
    LEG_FLAGS,
    by_transaction,
    window_aggregates,
    windowed_distinct_counts,
)

CAP = 1_000


def _legs(rows: list[dict]) -> pa.Table:
    """Legs sorted as the engine sorts them; each row gives account, e, inbound, cp, amount and flags."""
    rows = sorted(rows, key=lambda r: (r["account"], r["e"], r["txn_id"], r["inbound"]))
    cols = {
        "txn_id": pa.array([r["txn_id"] for r in rows], pa.int64()),
        "e": pa.array([r["e"] for r in rows], pa.int64()),
        "account": pa.array([r["account"] for r in rows], pa.int64()),
        "cp": pa.array([r.get("cp") for r in rows], pa.int64()),
        "inbound": pa.array([r["inbound"] for r in rows], pa.int32()),
        "amount_usd": pa.array([r.get("amount") for r in rows], pa.float64()),
        "currency": pa.array([r.get("currency", "USD") for r in rows], pa.string()),
    }
    for f in LEG_FLAGS:
        cols[f] = pa.array([r.get(f, 0) for r in rows], pa.int32())
    cols["is_output"] = pa.array([r.get("out", True) for r in rows], pa.bool_())
    return pa.table(cols)


def test_windowed_distinct_counts_known_answer() -> None:
    # Group 1: value 5 at t=0 and t=10, 6 at t=10 and t=20, 7 at t=25; group 2: 5 at t=0, null at t=5.
    group = np.array([1, 1, 1, 1, 2, 2, 1])
    e = np.array([0, 10, 10, 25, 0, 5, 20])
    vals = np.array([5, 5, 6, 7, 5, -1, 6])
    got = windowed_distinct_counts(group, e, vals, 10)
    # Window 10: t=0 {5}; t=10 (both rows: the same second counts as now) {5, 6}; t=25 {6, 7};
    # group 2: {5}, then {5} (null not counted); t=20 {5, 6}.
    assert got.tolist() == [1, 2, 2, 2, 1, 1, 2]


def test_window_aggregates_known_answer() -> None:
    # Account 1 receives 100 from 7 at t=0 and 300 from 8 at t=50, pays 200 to 7 at t=50 (MXN, cash,
    # cross-border), then receives 100 from 7 at t=200 (the 100-second window then holds only it).
    legs = _legs([
        {"txn_id": 1, "e": 0, "account": 1, "cp": 7, "inbound": 1, "amount": 100.0},
        {"txn_id": 2, "e": 50, "account": 1, "cp": 8, "inbound": 1, "amount": 300.0, "cross_border": 1},
        {"txn_id": 3, "e": 50, "account": 1, "cp": 7, "inbound": 0, "amount": 200.0, "currency": "MXN",
         "is_cash": 1},
        {"txn_id": 4, "e": 200, "account": 1, "cp": 7, "inbound": 1, "amount": 100.0},
        {"txn_id": 5, "e": 60, "account": 2, "cp": None, "inbound": 1, "amount": 9500.0, "below_threshold": 1,
         "out": False},
    ])
    t = window_aggregates(legs, [("w", 100)], CAP)
    assert t.column("txn_id").to_pylist() == [1, 2, 3, 4]  # account 2's leg is history only
    r = {name: t.column(f"{name}_w").to_pylist() for name in ACCOUNT_AGGS}
    assert r["n_in"] == [1, 2, 2, 1] and r["n_out"] == [0, 1, 1, 0]
    assert r["usd_in"] == [100, 400, 400, 100] and r["usd_out"] == [0, 200, 200, 0]
    assert r["deg_in"] == [1, 2, 2, 1] and r["deg_out"] == [0, 1, 1, 0] and r["n_cp"] == [1, 2, 2, 1]
    assert r["n_currency"] == [1, 2, 2, 1]
    assert r["amt_mean"] == [100, 200, 200, 100] and r["amt_max"] == [100, 300, 300, 100]
    assert r["amt_std"] == [0, 100, 100, 0]
    # Gaps: first leg capped, then 50, 0 (same second), 150.
    assert r["gap_mean"] == [CAP, (CAP + 50) / 3, (CAP + 50) / 3, 150] and r["gap_min"] == [CAP, 0, 0, 150]
    assert r["cash_share"][1] == pytest.approx(1 / 3) and r["xborder_share"][1] == pytest.approx(1 / 3)
    assert r["xborder_usd_in"] == [0, 300, 300, 0]
    assert r["below_threshold_n"] == [0, 0, 0, 0]


def test_null_amounts_and_equal_amounts() -> None:
    legs = _legs([
        {"txn_id": 1, "e": 0, "account": 1, "cp": 2, "inbound": 1, "amount": None},
        {"txn_id": 2, "e": 1, "account": 1, "cp": 2, "inbound": 1, "amount": 0.1},
        {"txn_id": 3, "e": 2, "account": 1, "cp": 2, "inbound": 1, "amount": 0.1},
        {"txn_id": 4, "e": 3, "account": 1, "cp": 2, "inbound": 1, "amount": 0.1},
    ])
    t = window_aggregates(legs, [("w", 100)], CAP)
    assert t.column("usd_in_w").to_pylist()[0] is None and t.column("amt_mean_w").to_pylist()[0] is None
    assert t.column("n_in_w").to_pylist() == [1, 2, 3, 4]
    assert t.column("amt_std_w").to_pylist()[1:] == [0, 0, 0]  # equal amounts: exactly 0, as in SQL


def test_unsorted_legs_are_refused() -> None:
    legs = _legs([{"txn_id": 1, "e": 5, "account": 1, "inbound": 1, "amount": 1.0},
                  {"txn_id": 2, "e": 0, "account": 1, "inbound": 1, "amount": 1.0}])
    with pytest.raises(ValueError, match="sorted"):
        window_aggregates(legs.take([1, 0]), [("w", 10)], CAP)


def _reference(legs: pa.Table, window: int) -> dict[str, list]:
    """Row by row, straight from the definitions (what the SQL window aggregates compute)."""
    rows = legs.to_pylist()
    out: dict[str, list] = {n: [] for n in ACCOUNT_AGGS}
    gaps = []
    for k, r in enumerate(rows):
        prev = rows[k - 1] if k and rows[k - 1]["account"] == r["account"] else None
        gaps.append(CAP if prev is None else min(r["e"] - prev["e"], CAP))
    for r in rows:
        if not r["is_output"]:
            continue
        fr = [(x, gaps[j]) for j, x in enumerate(rows)
              if x["account"] == r["account"] and r["e"] - window <= x["e"] <= r["e"]]
        legs_ = [x for x, _ in fr]
        amts = [x["amount_usd"] for x in legs_ if x["amount_usd"] is not None]
        n = len(legs_)

        def s(pred, legs_=legs_, amts=amts):  # sum of amounts over legs matching pred; null when none has one
            return sum(x["amount_usd"] for x in legs_ if x["amount_usd"] is not None and pred(x)) if amts else None
        out["n_in"].append(sum(x["inbound"] for x in legs_))
        out["n_out"].append(sum(1 - x["inbound"] for x in legs_))
        out["usd_in"].append(s(lambda x: x["inbound"] == 1))
        out["usd_out"].append(s(lambda x: x["inbound"] == 0))
        out["deg_in"].append(len({x["cp"] for x in legs_ if x["inbound"] == 1 and x["cp"] is not None}))
        out["deg_out"].append(len({x["cp"] for x in legs_ if x["inbound"] == 0 and x["cp"] is not None}))
        out["n_cp"].append(len({x["cp"] for x in legs_ if x["cp"] is not None}))
        out["n_currency"].append(len({x["currency"] for x in legs_}))
        mean = sum(amts) / len(amts) if amts else None
        out["amt_mean"].append(mean)
        out["amt_std"].append(None if not amts else 0.0 if len(amts) == 1 else
                              math.sqrt(sum((a - mean) ** 2 for a in amts) / (len(amts) - 1)))
        out["amt_max"].append(max(amts) if amts else None)
        out["gap_mean"].append(sum(g for _, g in fr) / n)
        out["gap_min"].append(min(g for _, g in fr))
        out["cash_share"].append(sum(x["is_cash"] for x in legs_) / n)
        out["xborder_share"].append(sum(x["cross_border"] for x in legs_) / n)
        out["xborder_usd_in"].append(s(lambda x: x["inbound"] == 1 and x["cross_border"] == 1))
        out["xcurrency_share"].append(sum(x["cross_currency"] for x in legs_) / n)
        out["round_share"].append(sum(x["is_round"] for x in legs_) / n)
        out["below_threshold_n"].append(sum(x["below_threshold"] for x in legs_))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_window_aggregates_match_a_direct_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 120))
    rows = []
    for k in range(n):
        rows.append({"txn_id": k, "e": int(rng.integers(0, 400)), "account": int(rng.integers(1, 5)),
                     "cp": None if rng.random() < 0.1 else int(rng.integers(1, 8)), "inbound": int(rng.integers(0, 2)),
                     # amounts with a wide range, some repeated and some missing
                     "amount": None if rng.random() < 0.05 else
                     float(rng.choice([5.0, 1e6 + 0.01, rng.uniform(0, 1e4)])),
                     "currency": str(rng.choice(["USD", "MXN", "CNY"])), "out": bool(rng.random() < 0.7),
                     **{f: int(rng.random() < 0.3) for f in LEG_FLAGS}})
    legs = _legs(rows)
    window = int(rng.integers(0, 150))
    got = window_aggregates(legs, [("w", window)], CAP)
    ref = _reference(legs, window)
    for name in ACCOUNT_AGGS:
        x = np.array(got.column(f"{name}_w").to_pylist(), dtype=float)
        y = np.array(ref[name], dtype=float)
        assert np.allclose(x, y, rtol=1e-12, atol=1e-9, equal_nan=True), name
    # The distinct-count helper agrees with the kernel's counterparty count.
    d = windowed_distinct_counts(legs.column("account").to_numpy(), legs.column("e").to_numpy(),
                                 np.array([-1 if c is None else c for c in legs.column("cp").to_pylist()]), window)
    out = legs.column("is_output").to_numpy(zero_copy_only=False)
    assert d[out].tolist() == got.column("n_cp_w").to_pylist()


def test_by_transaction_pivots_legs_to_paying_and_receiving_sides() -> None:
    # Transaction 7 has both sides, 5 only a receiving account (a cash deposit), 9 only a payer;
    # one aggregate is null.
    aggs = pa.table({"txn_id": [7, 5, 7, 9], "inbound": [1, 1, 0, 0], "n_in_w": [2.0, 1.0, 0.0, 3.0],
                     "amt_std_w": pa.array([0.5, None, 1.5, 2.5], pa.float64())})
    t = by_transaction(aggs)
    assert t.column_names == ["txn_id", "src_n_in_w", "src_amt_std_w", "dst_n_in_w", "dst_amt_std_w"]
    assert t.column("txn_id").to_pylist() == [5, 7, 9]
    assert t.column("src_n_in_w").to_pylist() == [None, 0.0, 3.0]
    assert t.column("dst_n_in_w").to_pylist() == [1.0, 2.0, None]
    assert t.column("dst_amt_std_w").to_pylist() == [None, 0.5, None]
    assert t.column("src_amt_std_w").to_pylist() == [None, 1.5, 2.5]
