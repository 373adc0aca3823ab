"""Known answers for the two-hop, party-trait, trade-paper and listed-distance features."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from counterflow.dataset.reader import open_dataset
from counterflow.detect.feature_steps import scatter_gather
from counterflow.detect.features import FeatureBuilder
from tests.detect.builders import Txn, World, write

DAY = 1440.0


def _rows(tmp_path: Path, world: World, **kw) -> dict[int, dict]:  # type: ignore[no-untyped-def]
    """Features keyed by (src, dst, minute) order: txn ids follow the builders' time order."""
    with open_dataset(write(world, tmp_path / "ds")) as ds:
        f = FeatureBuilder(**kw).transform(ds)
    return {r["txn_id"]: r for r in f.to_pylist()}


def test_scatter_gather_and_gather_scatter(tmp_path: Path) -> None:
    w = World()
    # Scatter-gather: 1 pays 2, 3, 4; each pays 9 (txns 1-3, then 4-6).
    w.add(Txn(0, 1, 2, 100), Txn(1, 1, 3, 100), Txn(2, 1, 4, 100))
    w.add(Txn(10, 2, 9, 95), Txn(11, 3, 9, 95), Txn(12, 4, 9, 95))
    # Gather-scatter through hub 20: three payers, then two payees (txns 7-9, 10-11).
    w.add(Txn(100, 21, 20, 50), Txn(101, 22, 20, 50), Txn(102, 23, 20, 50))
    w.add(Txn(110, 20, 24, 70), Txn(111, 20, 25, 70))
    # Decoy: the second leg comes two days after the first, outside the one-day window (txns 12-13).
    w.add(Txn(200, 30, 31, 10), Txn(200 + 2 * DAY, 31, 32, 10))
    f = _rows(tmp_path, w)
    assert [f[i]["sg"] for i in (4, 5, 6)] == [1, 2, 3]
    assert [f[i]["sg"] for i in (1, 2, 3)] == [0, 0, 0]
    assert [f[i]["gs"] for i in (10, 11)] == [1, 2]
    assert f[10]["sg"] == 1 and f[13]["sg"] == 0 and f[13]["gs"] == 0


@pytest.mark.parametrize("seed", range(5))
def test_scatter_gather_kernel_matches_plain_counting(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    txn = rng.integers(0, 25, n)
    e, a, m, b = (rng.integers(0, 100, n), rng.integers(0, 5, n), rng.integers(0, 5, n), rng.integers(0, 5, n))
    w = int(rng.integers(0, 60))
    ids, sg, gs = scatter_gather(txn, e, a, m, b, w)
    ref_sg: dict[int, int] = {}
    ref_gs: dict[int, int] = {}
    for i in range(n):  # per path: distinct m of its (a, b), distinct a and b through its m, in [e - w, e]
        frame = [j for j in range(n) if e[i] - w <= e[j] <= e[i]]
        s = len({m[j] for j in frame if (a[j], b[j]) == (a[i], b[i])})
        g = min(len({a[j] for j in frame if m[j] == m[i]}), len({b[j] for j in frame if m[j] == m[i]}))
        ref_sg[int(txn[i])] = max(ref_sg.get(int(txn[i]), 0), s)
        ref_gs[int(txn[i])] = max(ref_gs.get(int(txn[i]), 0), g)
    assert ids.tolist() == sorted(ref_sg)
    assert sg.tolist() == [ref_sg[t] for t in sorted(ref_sg)] and gs.tolist() == [ref_gs[t] for t in sorted(ref_gs)]


def test_shared_identifiers_and_profiles(tmp_path: Path) -> None:
    w = World().add(Txn(0, 1, 2, 100), Txn(1, 3, 4, 200), Txn(2, 5, 6, 300), Txn(3, 7, 8, 400))
    w.add(Txn(4, 10, 2, 50, received=50), Txn(5, 11, 8, 900))
    w.banks.update({11: 2})  # a Mexican payer: cross-border into 8
    w.parties.update({
        1: {"phone": "+52 1"}, 3: {"phone": "+52 1", "email": "x@y"}, 5: {"phone": "+52 1"}, 7: {"email": "x@y"},
        2: {"occupation": "student"}, 4: {"occupation": "teacher"},
        8: {"kind": "business", "industry_code": "541511"}, 6: {"kind": "business", "industry_code": "424690"},
    })
    f = _rows(tmp_path, w)
    assert (f[1]["src_shared_phone"], f[1]["src_shared_email"], f[1]["src_shared_parties"]) == (2, 0, 2)
    assert (f[2]["src_shared_phone"], f[2]["src_shared_email"], f[2]["src_shared_parties"]) == (2, 1, 3)
    assert f[4]["src_shared_parties"] == 1 and f[1]["dst_shared_parties"] == 0
    assert f[1]["dst_low_income_profile"] == 1 and f[2]["dst_low_income_profile"] == 0
    # The student received 100 and then 50 within a day; the teacher's inflow does not count.
    assert f[5]["dst_profile_usd_in_1d"] == pytest.approx(150) and f[2]["dst_profile_usd_in_1d"] == 0
    # A software firm (no trade nexus) receiving 900 from Mexico; a chemical wholesaler has one.
    assert f[6]["dst_no_trade_nexus"] == 1 and f[6]["dst_no_nexus_xborder_usd_in_1d"] == pytest.approx(900)
    assert f[3]["dst_no_trade_nexus"] == 0 and f[6]["dst_xborder_usd_in_1d"] == pytest.approx(900)
    assert f[6]["dst_cash_excess_1d"] == pytest.approx(0.0)


def test_trade_paper_facts_use_only_papers_issued_by_the_payment_day(tmp_path: Path) -> None:
    w = World()
    # Importer 40 (electronics wholesaler) pays twice for shipment 7, declared as 500 kg of a
    # chemical (typical 180 USD/kg) invoiced at 900,000 USD: ten times the market value.
    w.parties.update({40: {"kind": "business", "industry_code": "423690"}})
    w.shipments.append({"shipment_id": 7, "exporter_id": 41, "importer_id": 40, "hs_code": "2933.39",
                        "quantity": 500.0, "declared_value": 900_000.0, "forwarder_ids": [60, 61, 62],
                        "transship_port_id": 5, "departure_date": 3})
    w.documents += [
        {"shipment_id": 7, "doc_type": "invoice", "issue_date": 1, "issuer_id": 41, "hs_code": "2933.39",
         "quantity": 500.0, "declared_value": 900_000.0},
        {"shipment_id": 7, "doc_type": "bill_of_lading", "issue_date": 3, "issuer_id": 60, "hs_code": "2933.39",
         "quantity": 350.0, "declared_value": 900_000.0},
        # Issued after the second payment: must not count.
        {"shipment_id": 7, "doc_type": "customs_declaration", "issue_date": 9, "issuer_id": 40,
         "hs_code": "2915.21", "quantity": 350.0, "declared_value": 100.0},
    ]
    w.add(Txn(2 * DAY, 40, 41, 450_000, shipment=7), Txn(5 * DAY, 40, 41, 450_000, shipment=7),
          Txn(5 * DAY + 1, 40, 42, 10))
    w.banks.update({41: 3})
    f = _rows(tmp_path, w)
    first, second, plain = f[1], f[2], f[3]
    assert first["trade_value_ratio"] == pytest.approx(10.0) and first["trade_sector_mismatch"] == 1
    # Before departure: no route yet, one paper, nothing to contradict.
    assert (first["trade_forwarders"], first["trade_transship"], first["trade_contradictions"]) == (None, None, 0)
    # After the bill of lading (quantity 350 against 500): one contradiction, three forwarders.
    assert (second["trade_forwarders"], second["trade_transship"], second["trade_contradictions"]) == (3, 1, 1)
    assert all(plain[c] is None for c in ("trade_value_ratio", "trade_contradictions", "trade_forwarders"))


def test_listed_distance_uses_payments_before_the_day(tmp_path: Path) -> None:
    w = World()
    # Day 0: 300 (listed, hop 0 from the start) -> 301 -> 302 -> 303; 303 is three hops away.
    w.add(Txn(0, 300, 301, 10), Txn(5, 301, 302, 10))
    w.add(Txn(10, 302, 303, 10))                               # day 0: edges of the same day do not count yet
    w.add(Txn(DAY + 1, 302, 303, 10), Txn(DAY + 2, 304, 301, 10), Txn(DAY + 3, 300, 305, 10))
    listed = pa.table({"party_id": pa.array([300], pa.int64())})
    f = _rows(tmp_path, w, listed=listed)
    assert [(f[i]["src_listed_hop"], f[i]["dst_listed_hop"]) for i in range(1, 7)] == [
        (0, None), (None, None), (None, None), (2, None), (None, 1), (0, None)]
    assert _rows(tmp_path / "x", w)[6]["src_listed_hop"] is None  # no list given: null
