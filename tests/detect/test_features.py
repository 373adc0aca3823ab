from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from counterflow.dataset.reader import Dataset, open_dataset
from counterflow.detect.cycles import shortest_temporal_cycles
from counterflow.detect.features import FeatureBuilder
from tests.detect.builders import T0, Txn, World, write


def _features(tmp_path: Path, world: World, name: str = "ds", **kw) -> pa.Table:
    with open_dataset(write(world, tmp_path / name)) as ds:
        return FeatureBuilder(**kw).transform(ds)


def _col(t: pa.Table, name: str) -> list:
    return t.column(name).to_pylist()


def test_three_cycle_and_length_limit(tmp_path: Path) -> None:
    w = World().add(Txn(0, 1, 2, 100), Txn(10, 2, 3, 99), Txn(20, 3, 1, 98))
    # A 6-cycle 10..15 closes; a 7-cycle 20..26 is longer than the limit.
    w.add(*[Txn(30 + i, 10 + i, 10 + (i + 1) % 6, 50) for i in range(6)])
    w.add(*[Txn(40 + i, 20 + i, 20 + (i + 1) % 7, 50) for i in range(7)])
    # Out of time order: the closing edge comes first, so no temporal cycle.
    w.add(Txn(60, 32, 30, 5), Txn(61, 31, 32, 5), Txn(62, 30, 31, 5))
    f = _features(tmp_path, w)
    assert _col(f, "cycle_len") == [0, 0, 3] + [0] * 5 + [6] + [0] * 7 + [0, 0, 0]


def test_cycle_window_and_ties() -> None:
    src, dst = np.array([1, 2, 3]), np.array([2, 3, 1])
    e = np.array([0, 100, 200])
    assert shortest_temporal_cycles(src, dst, e, window_s=300).tolist() == [0, 0, 3]
    assert shortest_temporal_cycles(src, dst, e, window_s=150).tolist() == [0, 0, 0]
    # Two-cycle, and the same-second edges: order (txn id) decides.
    assert shortest_temporal_cycles(np.array([1, 2]), np.array([2, 1]), np.array([5, 5]),
                                    window_s=10).tolist() == [0, 2]
    assert shortest_temporal_cycles(np.array([1]), np.array([1]), np.array([0]), window_s=10).tolist() == [0]


def test_fan_in_of_ten_and_fan_out(tmp_path: Path) -> None:
    w = World().add(*[Txn(i, 100 + i, 1, 10.0 * (i + 1)) for i in range(10)])
    w.add(*[Txn(20 + i, 2, 200 + i % 4, 5) for i in range(8)])  # 8 payments to 4 payees
    f = _features(tmp_path, w)
    assert _col(f, "dst_n_in_1d")[:10] == [float(i) for i in range(1, 11)]
    assert _col(f, "dst_deg_in_1d")[9] == 10
    assert _col(f, "dst_usd_in_1d")[9] == pytest.approx(550.0)
    assert _col(f, "dst_amt_max_1d")[9] == pytest.approx(100.0)
    assert _col(f, "src_n_out_1d")[17] == 8 and _col(f, "src_deg_out_1d")[17] == 4
    assert _col(f, "src_cp_diversity_1d")[17] == pytest.approx(0.5)
    assert _col(f, "dst_gap_min_1d")[9] == 60  # one leg a minute


def test_pass_through_round_and_structuring_flags(tmp_path: Path) -> None:
    w = World().add(Txn(0, 5, 1, 1000), Txn(30, 1, 6, 950), Txn(60, None, 7, 9650, channel="CASH", location=113))
    w.add(Txn(61, 8, 9, 5000, currency="MXN", currency_received="USD", received=294.1))
    f = _features(tmp_path, w)
    assert _col(f, "src_passthrough_1d")[1] == pytest.approx(0.95)
    assert _col(f, "dst_passthrough_1d")[0] == 0
    assert _col(f, "below_threshold") == [0, 0, 1, 0]
    assert _col(f, "is_cash") == [0, 0, 1, 0]
    assert _col(f, "is_round") == [1, 0, 0, 1]
    assert _col(f, "cross_currency") == [0, 0, 0, 1]
    assert _col(f, "amount_usd")[3] == pytest.approx(5000 / 17.0)  # fallback rate: no fx table
    assert _col(f, "src_account")[2] is None and _col(f, "src_n_in_1d")[2] is None


def _random_world(rng: np.random.Generator, n: int, days: float, start_min: float = 0.0) -> list[Txn]:
    mins = np.sort(rng.uniform(start_min, start_min + days * 1440, n))
    out = []
    for m in mins:
        a, b = rng.integers(1, 25, 2)
        out.append(Txn(float(np.round(m)), int(a), int(b), float(rng.integers(1, 20_000)),
                       channel=str(rng.choice(["WIRE", "ACH", "CASH"]))))
    return out


def _assert_same(a: pa.Table, b: pa.Table) -> None:
    assert a.column_names == b.column_names and a.num_rows == b.num_rows
    for name in a.column_names:
        if name == "ts":
            assert a.column(name).equals(b.column(name))
            continue
        x = np.array(a.column(name).to_pylist(), dtype=float)
        y = np.array(b.column(name).to_pylist(), dtype=float)
        assert np.allclose(x, y, rtol=1e-9, atol=1e-9, equal_nan=True), name


@pytest.mark.parametrize("seed", [1, 2])
def test_no_look_ahead_when_later_rows_are_appended(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    early = _random_world(rng, 300, 10)
    late = _random_world(rng, 300, 10, start_min=10 * 1440 + 1)
    cut = T0 + dt.timedelta(days=10, minutes=1)
    # Trade payments whose later papers contradict the earlier ones, shared identifiers and a
    # listed party: papers issued and payments booked after the cut must change nothing before it.
    early += [Txn(2 * 1440 + 7, 1, 2, 5000, shipment=1), Txn(9 * 1440, 1, 2, 5000, shipment=1)]
    early.sort(key=lambda t: t.minutes)
    ship = [{"shipment_id": 1, "exporter_id": 2, "importer_id": 1, "hs_code": "8517.13", "quantity": 10.0,
             "declared_value": 10_000.0, "forwarder_ids": [3, 4], "departure_date": 11}]
    docs = [{"shipment_id": 1, "doc_type": "invoice", "issue_date": 1, "issuer_id": 2, "hs_code": "8517.13",
             "quantity": 10.0, "declared_value": 10_000.0}]
    late_docs = [{"shipment_id": 1, "doc_type": "bill_of_lading", "issue_date": 11, "issuer_id": 3,
                  "hs_code": "2933.39", "quantity": 99.0, "declared_value": 1.0}]
    parties = {1: {"phone": "+1 1"}, 5: {"phone": "+1 1"}, 7: {"occupation": "student"}}
    listed = pa.table({"party_id": pa.array([3], pa.int64())})
    with open_dataset(write(World(txns=list(early), shipments=ship, documents=docs, parties=parties),
                            tmp_path / "a")) as ds:
        before = FeatureBuilder(listed=listed).transform(ds)
    with open_dataset(write(World(txns=early + late, shipments=ship, documents=docs + late_docs, parties=parties),
                            tmp_path / "b")) as ds:
        after = FeatureBuilder(listed=listed).transform(ds, end=cut)
    _assert_same(before, after)
    for name in ("sg", "gs", "trade_value_ratio", "src_listed_hop", "dst_listed_hop", "src_shared_phone"):
        assert np.nanmax(np.array(before.column(name).to_pylist(), dtype=float)) > 0, name  # exercised


def test_chunking_does_not_change_features(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    with open_dataset(write(World(txns=_random_world(rng, 400, 20)), tmp_path / "c")) as ds:
        _assert_same(FeatureBuilder(chunk_days=30).transform(ds), FeatureBuilder(chunk_days=3).transform(ds))
        _assert_same(FeatureBuilder(chunk_days=30).transform(ds), FeatureBuilder(chunk_rows=25).transform(ds))


def test_chunk_bounds_cap_days_and_rows(tmp_path: Path) -> None:
    # Day 0: 5 payments, day 1: 1, day 2: none, day 3: 30 (over the cap alone), day 4: 2.
    counts = {0: 5, 1: 1, 3: 30, 4: 2}
    w = World().add(*[Txn(day * 1440 + k, 1, 2, 10.0 + k) for day, n in counts.items() for k in range(n)])
    with open_dataset(write(w, tmp_path / "b")) as ds:
        day = dt.timedelta(days=1)
        bounds = FeatureBuilder(chunk_rows=6).chunk_bounds(ds)
        assert [(a - T0, b - T0) for a, b in bounds] == [(0 * day, 3 * day), (3 * day, 4 * day),
                                                          (4 * day, 4 * day + dt.timedelta(seconds=60 + 1))]
        assert [(a - T0, b - T0) for a, b in FeatureBuilder(chunk_days=2).chunk_bounds(ds)] == [
            (0 * day, 2 * day), (2 * day, 4 * day), (4 * day, 4 * day + dt.timedelta(seconds=61))]
        start = T0 + dt.timedelta(days=3, hours=12)
        assert FeatureBuilder().chunk_bounds(ds, start=start, end=start) == []
    with pytest.raises(ValueError, match="chunk_rows"):
        FeatureBuilder(chunk_rows=0)


def test_feature_invariants_on_generated_data(tiny: Dataset) -> None:
    fb = FeatureBuilder().fit()
    start = dt.datetime(2024, 1, 20)
    f = fb.transform(tiny, start=start, end=start + dt.timedelta(days=4))
    assert f.column_names[4:] == fb.feature_names_
    assert min(_col(f, "ts")) >= start and f.num_rows > 1000
    for side in ("src", "dst"):
        def c(name: str, side: str = side) -> np.ndarray:
            return np.array(_col(f, f"{side}_{name}"), dtype=float)
        ok = ~np.isnan(c("legs_1d"))
        assert (c("deg_in_1d")[ok] <= c("n_in_1d")[ok]).all()
        assert (c("n_cp_1d")[ok] <= c("legs_1d")[ok]).all()
        assert (c("legs_1d")[ok] <= c("legs_7d")[ok]).all() and (c("legs_1d")[ok] >= 1).all()
        assert ((c("passthrough_7d")[ok] >= 0) & (c("passthrough_7d")[ok] <= 1)).all()
        assert ((c("cash_share_7d")[ok] >= 0) & (c("cash_share_7d")[ok] <= 1)).all()
        assert (c("gap_min_7d")[ok] >= 0).all()


def _sql_final_step(fb: FeatureBuilder, eng, lo: dt.datetime, hi: dt.datetime) -> pa.Table:  # type: ignore[no-untyped-def]
    """The chunk as the feature step computed it before the window columns moved out of SQL: every
    kernel output registered whole, and the final SQL step selecting all of it."""
    import pyarrow.compute as pc

    from counterflow.detect.cycles import cycles_kernel
    from counterflow.detect.feature_steps import daily_hops, pattern_kernel
    from counterflow.detect.windows import window_kernel

    d = eng.dialect
    eng.materialize(fb.base_inputs(d, lo, hi), "feature_txn")
    eng.kernel("w", fb.window_inputs(d, lo), window_kernel([(w.label, w.seconds) for w in fb.windows],
                                                             fb.lookback_s), "txn_windows")
    eng.kernel("c", fb.cycle_inputs(d, lo), cycles_kernel(fb.cycle_window_s, fb.max_cycle_len), "txn_cycles")
    eng.kernel("p", fb.pattern_inputs(d, lo), pattern_kernel(fb.pattern_window_s), "txn_patterns")
    eng.register("txn_hops", daily_hops(eng, pa.table({"party_id": pa.array([], pa.int64())}), lo, lo, 0))
    out = eng.arrow(fb.pipeline(d, lo, hi))
    for name in ("feature_txn", "txn_windows", "txn_cycles", "txn_patterns", "txn_hops"):
        eng.drop(name)
    return out.take(pc.sort_indices(out.column("txn_id")))


def test_window_columns_joined_in_arrow_equal_the_sql_step(tiny: Dataset) -> None:
    """The account-window columns and their ratios, put in from the kernel's arrays, are the SQL
    step's values bit for bit (nulls, NaN-free floats, column order and types)."""
    from counterflow.engine.duckdb import DuckDBEngine

    eng = DuckDBEngine(tiny.con)
    fb = FeatureBuilder().fit()
    lo = tiny.fetchall("SELECT min(ts) FROM transactions")[0][0] + dt.timedelta(days=8)
    lo = dt.datetime(lo.year, lo.month, lo.day)
    hi = lo + dt.timedelta(days=3)
    got = fb.chunk(eng, lo, hi)
    ref = _sql_final_step(fb, eng, lo, hi)
    assert got.num_rows > 1000 and got.column_names == ref.column_names == ["txn_id", "ts", "src_account",
                                                                            "dst_account"] + fb.feature_names_
    assert got.schema.equals(ref.schema) and got.equals(ref)
    # Not all nulls or zeros: the comparison covers real values of every window column.
    assert got.column("dst_passthrough_7d").null_count < got.num_rows
    assert pa.compute.max(got.column("src_cp_diversity_1d")).as_py() > 0


def test_dense_codes_and_group_order_match_numpy() -> None:
    from counterflow.detect.windows import dense_codes, group_time_order

    rng = np.random.default_rng(3)
    for values in (rng.integers(5, 60, 500), rng.integers(0, 1 << 50, 500), np.array([7]), np.array([-3, 9, -3])):
        codes, n = dense_codes(values)
        uniq, inv = np.unique(values, return_inverse=True)
        assert n == len(uniq) and codes.tolist() == inv.tolist()
    group, e = rng.integers(0, 30, 2000), rng.integers(1_700_000_000, 1_700_000_500, 2000)
    assert group_time_order(group, e).tolist() == np.lexsort((e, group)).tolist()
    assert dense_codes(np.zeros(0, np.int64))[1] == 0
