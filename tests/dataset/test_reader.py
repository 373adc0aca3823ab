from __future__ import annotations

import pyarrow as pa

import counterflow
from counterflow.dataset.reader import Dataset


def test_open_dataset_gives_lazy_arrow_and_duckdb_views(tiny_path) -> None:
    ds = counterflow.open_dataset(tiny_path)
    assert isinstance(ds, Dataset)
    assert ds.manifest["scenario"] == "tiny"
    scan = ds.dataset("transactions")  # lazy: nothing read yet
    batches = list(scan.to_batches(columns=["txn_id", "amount_paid"], batch_size=4096))
    assert sum(b.num_rows for b in batches) == ds.rows("transactions")
    assert max(b.num_rows for b in batches) <= 4096
    rel = ds.relation("transactions")
    assert rel.aggregate("count(*)").fetchall()[0][0] == ds.rows("transactions")
    n_ok = ds.fetchone("SELECT count(*) FROM transactions t JOIN accounts a ON a.account_id = t.src_account")[0]
    assert 0 < n_ok <= ds.rows("transactions")
    banks = ds.arrow("banks")
    assert isinstance(banks, pa.Table) and banks.num_rows == ds.rows("banks")


def test_transactions_are_time_sorted_with_increasing_ids(tiny) -> None:
    bad = tiny.fetchone("""SELECT count(*) FROM (SELECT ts, txn_id, lag(ts) OVER (ORDER BY txn_id) prev
                           FROM transactions) WHERE ts < prev""")[0]
    assert bad == 0
    lo, hi, n = tiny.fetchone("SELECT min(txn_id), max(txn_id), count(*) FROM transactions")
    assert (lo, hi) == (1, n)
