"""Hop distance from listed parties on a hand-built transaction graph."""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa

from counterflow.screen.features import hop_distance, screening_features

# accounts 10..16 belong to parties 1..7 (party 7 has two accounts: 16 and 17)
ACCOUNTS = pa.table({"account_id": [10, 11, 12, 13, 14, 15, 16, 17],
                     "party_id": [1, 2, 3, 4, 5, 6, 7, 7]})
# 1 -> 2, 3 -> 2 (3 is two hops from 1), 4 -> 5, 6 -> 5, cash-out from 1, 7 pays itself
TX = pa.table({"src_account": [10, 12, 13, 15, 10, 16],
               "dst_account": pa.array([11, 11, 14, 14, None, 17], pa.int64()),
               "ts": [1, 2, 3, 4, 5, 6]})


def test_hops_from_one_listed_party():
    got = hop_distance(pa.table({"party_id": [1]}), ACCOUNTS, TX).to_pylist()
    assert got == [{"party_id": 1, "hop": 0}, {"party_id": 2, "hop": 1},
                   {"party_id": 3, "hop": 2}, {"party_id": 4, "hop": None},
                   {"party_id": 5, "hop": None}, {"party_id": 6, "hop": None},
                   {"party_id": 7, "hop": None}]


def test_hops_direction_ignored_and_nearest_wins_with_relations():
    con = duckdb.connect()
    acc = con.from_arrow(ACCOUNTS)
    tx = con.from_arrow(TX)
    got = {r["party_id"]: r["hop"] for r in
           hop_distance(pa.table({"party_id": [5, 3]}), acc, tx, con=con).to_pylist()}
    # 3 -> 2 -> 1: party 1 is two hops from listed party 3
    assert got == {1: 2, 2: 1, 3: 0, 4: 1, 5: 0, 6: 1, 7: None}


def test_screening_features_on_a_dataset_like_table(full_screener):
    parties = pa.table({
        "party_id": pa.array([1, 2, 3, 4], pa.int64()),
        "kind": ["person", "person", "business", "person"],
        "name": ["Fujing Zheng", "Mary Smith", "Acme Trading", "John Doe"],
        "birth_date": pa.array([date(1983, 6, 11), None, None, None], pa.date32()),
        "country": ["CN", "US", "US", "US"],
    })
    feats = screening_features(full_screener, parties, ACCOUNTS, TX).to_pylist()
    by_id = {r["party_id"]: r for r in feats}
    assert by_id[1]["hop"] == 0 and by_id[1]["listed_entry"] == "ofac-sdn-2024-05-03:26236"
    assert by_id[2]["hop"] == 1 and by_id[2]["listed_score"] is None
    assert by_id[3]["hop"] == 2 and by_id[4]["hop"] is None
