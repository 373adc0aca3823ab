"""Feature steps beyond the account windows: two-hop patterns, party traits, trade papers, listed parties.

Each function adds named SQL steps to the feature pipeline (:mod:`counterflow.detect.features`)
and returns the step the final join reads. All of them are look-ahead free:

- **Scatter-gather / gather-scatter** (two-hop paths a→m→b whose second leg comes no earlier
  than the first and at most ``W`` later). On a transaction m→b, ``sg_W`` is the largest number of
  distinct intermediates m' on paths from one source a to b completed in [t − W, t] (the
  transaction itself being one of them); ``gs_W`` is, for the paying account m as a hub, the
  smaller of its distinct path sources and path targets in [t − W, t].
- **Party traits** read the parties table, which holds what was known when the account was
  opened (KYC): how many other parties share the holder's phone, email, tax id or address; whether
  the holder is a student, homemaker, retiree or laborer (the mule profiles of C2); whether a
  business's industry has a foreign-trade nexus, and the cash share expected of it.
- **Trade papers** (:mod:`counterflow.detect.trade`) of the shipment a trade payment settles, as
  known on the payment's day.
- **Listed distance**: hops (0, 1, 2) from a listed or known-bad party through payments booked
  before the transaction's day, by the screening hop steps (:mod:`counterflow.screen.features`),
  run once per day on the preceding ``hop_days`` of transactions.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
from numba import njit

from counterflow.detect.base import ts_literal
from counterflow.detect.trade import add_trade_steps
from counterflow.detect.windows import _distinct_in_frames, dense_codes
from counterflow.engine.pipeline import Engine, Pipeline
from counterflow.screen.features import hop_steps
from counterflow.world.goods import SECTOR_OF_INDUSTRY
from counterflow.world.industries import INDUSTRIES

SHARED_IDS: tuple[str, ...] = ("phone", "email", "tax_id", "address")
# The mule profiles of the 2025 advisory (C2): people whose income would not explain the money.
LOW_INCOME_OCCUPATIONS: tuple[str, ...] = ("student", "homemaker", "retiree", "laborer")

PARTY_FEATURES: tuple[str, ...] = tuple(f"shared_{c}" for c in SHARED_IDS) + (
    "shared_parties", "low_income_profile", "no_trade_nexus")
TRADE_FEATURES: tuple[str, ...] = ("trade_value_ratio", "trade_sector_mismatch", "trade_contradictions",
                                   "trade_forwarders", "trade_transship")
HOP_FEATURES: tuple[str, ...] = ("src_listed_hop", "dst_listed_hop")


def add_pattern_steps(p: Pipeline, source: str, w: int, since_e: str) -> str:
    """Two-hop paths a→m→b of ``source`` (the input of :func:`pattern_kernel`): one row per path,
    keyed by the transaction m→b that completes it, from ``since_e`` − ``w`` on."""
    p.add("pg_edges", f"""
SELECT txn_id, e, src_account AS s, dst_account AS d FROM {source}
WHERE src_account IS NOT NULL AND dst_account IS NOT NULL AND src_account <> dst_account""")
    # Paths completed before the reach of the earliest window are not needed.
    p.add("pg_paths", f"""
SELECT b.txn_id, b.e, a.s AS a, b.s AS m, b.d AS b
FROM pg_edges b JOIN pg_edges a ON a.d = b.s AND a.e <= b.e AND a.e >= b.e - {w} AND a.txn_id < b.txn_id
WHERE a.s <> b.d AND b.e >= {since_e} - {w}""")
    return "pg_paths"


def scatter_gather(txn_id: np.ndarray, e: np.ndarray, a: np.ndarray, m: np.ndarray, b: np.ndarray,
                   w: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``sg`` and ``gs`` per transaction from its paths (the module docstring): per path, the distinct
    intermediates of its (a, b) pair and the distinct sources and targets through its hub m, over
    paths completed in [t − w, t]; per transaction, the largest over its paths.
    Returns (txn ids, sg, gs), the ids sorted."""
    if len(txn_id) == 0:
        z = np.zeros(0, np.int64)
        return z, z, z
    a = np.asarray(a, np.int64)
    b = np.asarray(b, np.int64)
    m = np.asarray(m, np.int64)
    e = np.asarray(e, np.int64)
    n = len(a)
    # One set of dense account codes for a, m and b: they are the counted values, and a pair of
    # them (a, b) folded into one integer is a group.
    codes, n_acc = dense_codes(np.concatenate([a, m, b]))
    ca, cm, cb = codes[:n], codes[n:2 * n], codes[2 * n:]
    span = int(e.max()) - int(e.min()) + 1
    sg = _distinct_by_group(ca * n_acc + cb, n_acc * n_acc, e, span, cm, n_acc, w)
    gs = np.minimum(_distinct_by_group(cm, n_acc, e, span, ca, n_acc, w),
                    _distinct_by_group(cm, n_acc, e, span, cb, n_acc, w))
    # Largest per transaction: transaction ids as dense codes (sorted), one pass.
    t_codes, n_t = dense_codes(np.asarray(txn_id, np.int64))
    ids = np.empty(n_t, np.int64)
    ids[t_codes] = txn_id
    return ids, _group_max(t_codes, sg, n_t), _group_max(t_codes, gs, n_t)


def _distinct_by_group(group: np.ndarray, n_groups: int, e: np.ndarray, span: int, values: np.ndarray,
                       n_vals: int, w: int) -> np.ndarray:
    """:func:`windowed_distinct_counts` for non-negative group codes below ``n_groups`` and dense value
    codes below ``n_vals``: rows ordered by one integer sort of (group, time). A row's count does
    not depend on how rows of the same group and second are ordered (they share their frame)."""
    if n_groups * span < (1 << 62):
        order = np.argsort(group * span + (e - int(e.min())))
    else:
        order = np.lexsort((e, group))
    return _distinct_in_frames(order.astype(np.int64), group, e, values, int(w), max(n_vals, 1))


@njit(cache=True, nogil=True)
def _group_max(codes, vals, n):  # pragma: no cover - compiled
    out = np.zeros(n, np.int64)
    for k in range(codes.shape[0]):
        if vals[k] > out[codes[k]]:
            out[codes[k]] = vals[k]
    return out


def pattern_kernel(w: int):  # type: ignore[no-untyped-def]
    """An engine kernel: paths (txn_id, e, a, m, b) in, (txn_id, sg, gs) out."""

    def scatter_gather_counts(t: pa.Table) -> pa.Table:
        cols = [np.asarray(t.column(c).to_numpy(zero_copy_only=False), np.int64)
                for c in ("txn_id", "e", "a", "m", "b")]
        ids, sg, gs = scatter_gather(*cols, w=w)
        return pa.table({"txn_id": pa.array(ids, pa.int64()), "sg": pa.array(sg, pa.int64()),
                         "gs": pa.array(gs, pa.int64())})

    return scatter_gather_counts


def _industry_sql() -> str:
    rows = []
    for ind in INDUSTRIES:
        nexus = ind.code in SECTOR_OF_INDUSTRY or ind.role in ("trade", "manufacturer")
        rows.append(f"('{ind.code}', {ind.cash_share!r}, {int(nexus)})")
    return f"SELECT * FROM (VALUES {', '.join(rows)}) AS r(industry_code, cash_share, nexus)"


def add_party_steps(p: Pipeline) -> str:
    """Per account: its holder's shared identifiers and profile (static, from KYC)."""
    pairs = "\nUNION ALL\n".join(
        f"SELECT p1.party_id, p2.party_id AS other, '{c}' AS kind FROM parties p1 "
        f"JOIN parties p2 ON p1.{c} = p2.{c} AND p1.party_id <> p2.party_id" for c in SHARED_IDS)
    p.add("pf_pairs", pairs)
    counts = ", ".join(f"count(DISTINCT CASE WHEN kind = '{c}' THEN other END) AS shared_{c}" for c in SHARED_IDS)
    p.add("pf_shared", f"SELECT party_id, {counts}, count(DISTINCT other) AS shared_parties FROM pf_pairs "
                       "GROUP BY party_id")
    occ = ", ".join(f"'{o}'" for o in LOW_INCOME_OCCUPATIONS)
    shared = ", ".join(f"coalesce(s.shared_{c}, 0) AS shared_{c}" for c in SHARED_IDS)
    p.add("pf", f"""
SELECT a.account_id, {shared}, coalesce(s.shared_parties, 0) AS shared_parties,
       CASE WHEN pt.kind = 'person' AND pt.occupation IN ({occ}) THEN 1 ELSE 0 END AS low_income_profile,
       CASE WHEN pt.kind = 'business' AND coalesce(i.nexus, 0) = 0 THEN 1 ELSE 0 END AS no_trade_nexus,
       CASE WHEN pt.kind = 'business' THEN coalesce(i.cash_share, 0) ELSE 0 END AS expected_cash_share
FROM accounts a JOIN parties pt ON pt.party_id = a.party_id
LEFT JOIN pf_shared s ON s.party_id = a.party_id
LEFT JOIN ({_industry_sql()}) i ON i.industry_code = pt.industry_code""")
    return "pf"


def add_payment_trade_steps(p: Pipeline, source: str, lo: dt.datetime) -> str:
    """Trade-paper facts of each trade payment from ``lo`` on (one row per payment)."""
    p.add("tp_subjects", f"""
SELECT txn_id AS key, shipment_id, CAST(ts AS DATE) AS day, src_party AS trader_party
FROM {source} WHERE shipment_id IS NOT NULL AND ts >= {ts_literal(lo)}""")
    return add_trade_steps(p, "tp_subjects", "tp")


def daily_hops(engine: Engine, listed: pa.Table, lo: dt.datetime, hi: dt.datetime, hop_days: int) -> pa.Table:
    """(party_id, day, hop) for each day in [lo, hi): hops through payments in the ``hop_days``
    before that day. Registers ``listed`` for the duration of the call."""
    engine.register("_cf_listed", listed.select(["party_id"]).cast(pa.schema([("party_id", pa.int64())])))
    parts = []
    try:
        day = dt.datetime(lo.year, lo.month, lo.day)
        while day < hi:
            p = Pipeline("listed_hops")
            p.add("hop_listed", "SELECT party_id FROM _cf_listed")
            p.add("hop_txn", f"""
SELECT src_account, dst_account FROM transactions
WHERE ts >= {ts_literal(day - dt.timedelta(days=hop_days))} AND ts < {ts_literal(day)}""")
            for name, sql in hop_steps(listed="hop_listed", transactions="hop_txn"):
                p.add(name, sql)
            p.add("day_hops", f"SELECT party_id, CAST({ts_literal(day)} AS DATE) AS day, hop FROM hops")
            parts.append(engine.arrow(p))
            day += dt.timedelta(days=1)
    finally:
        engine.drop("_cf_listed")
    schema = pa.schema([("party_id", pa.int64()), ("day", pa.date32()), ("hop", pa.int32())])
    return pa.concat_tables([t.cast(schema) for t in parts]) if parts else schema.empty_table()
