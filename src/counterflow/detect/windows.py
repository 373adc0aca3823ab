"""Per-account aggregates over backward time windows: a Numba kernel over legs sorted by (account, time).

SQL computes these with ``RANGE BETWEEN W PRECEDING AND CURRENT ROW`` window aggregates; the
distinct counts among them (``count(DISTINCT ...) OVER``) cost most of the feature time in DuckDB
and cannot be written at all in Spark without collecting sets. Here one pass per window walks
each account's legs with two pointers (the frame [e − W, e], same-second legs included, only
moves forward), so every aggregate costs O(legs):

- counts, flag shares and gaps are integer running counts: exact;
- distinct counterparties (in, out, any) and currencies keep a count per value in the frame: exact;
- maximum amount and minimum gap keep monotonic queues: exact;
- dollar sums, mean and standard deviation of amounts keep compensated (two-term) running sums
  of the amount and its square, so adding and removing legs loses no precision that would make a
  result depend on how far back the input starts; a frame whose amounts are all equal has
  standard deviation exactly 0, as in SQL.

The input is the engine's ``legs`` step (one row per side of a transaction); the output has one
row per leg marked ``is_output``, with the columns of :data:`ACCOUNT_AGGS` per window label.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit

# Aggregate names, in the order of the kernel's output columns (per window).
ACCOUNT_AGGS: tuple[str, ...] = (
    "n_in", "n_out", "usd_in", "usd_out", "deg_in", "deg_out", "n_cp", "n_currency", "amt_mean", "amt_std",
    "amt_max", "gap_mean", "gap_min", "cash_share", "xborder_share", "xborder_usd_in", "xcurrency_share",
    "round_share", "below_threshold_n",
)
# Integer flags of a leg, in kernel column order.
LEG_FLAGS: tuple[str, ...] = ("is_cash", "cross_border", "cross_currency", "is_round", "below_threshold")


@njit(cache=True, nogil=True, inline="always")
def _two_sum(a, b):  # pragma: no cover - compiled
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@njit(cache=True, nogil=True, inline="always")
def _two_prod(a, b):  # pragma: no cover - compiled
    """a * b as an exact sum of two doubles (Dekker's product, no fused multiply-add needed)."""
    p = a * b
    t = 134217729.0 * a
    ah = t - (t - a)
    al = a - ah
    t = 134217729.0 * b
    bh = t - (t - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


@njit(cache=True, nogil=True, inline="always")
def _dd_add_dd(hi, lo, x_hi, x_lo):  # pragma: no cover - compiled
    s, err = _two_sum(hi, x_hi)
    err += lo + x_lo
    return _two_sum(s, err)


@njit(cache=True, nogil=True, inline="always")
def _dd_add(hi, lo, x):  # pragma: no cover - compiled
    """(hi, lo) + x in double-double arithmetic."""
    s, err = _two_sum(hi, x)
    err += lo
    return _two_sum(s, err)


@njit(cache=True, nogil=True)
def _window_aggs(acct, e, inbound, cp, cur, amt, amt_ok, flags, gap, out_rows, window,  # pragma: no cover - compiled
                 n_cp_ids, n_cur_ids, res):
    # res: (19, output rows) of NaN, filled here; one contiguous row per aggregate.
    n = acct.shape[0]
    m = out_rows.shape[0]
    cnt_in = np.zeros(n_cp_ids, np.int64)
    cnt_out = np.zeros(n_cp_ids, np.int64)
    cnt_cp = np.zeros(n_cp_ids, np.int64)
    cnt_cur = np.zeros(n_cur_ids, np.int64)
    q_amt = np.empty(n, np.int64)  # indices with decreasing amounts (front: frame maximum)
    q_gap = np.empty(n, np.int64)  # indices with increasing gaps (front: frame minimum)
    q_lo = np.empty(n, np.int64)  # indices with increasing amounts (front: frame minimum)
    o = 0
    start = 0
    while start < n:
        end = start
        while end < n and acct[end] == acct[start]:
            end += 1
        # One account: legs start..end-1 in time order. Frame of leg i: [lo, hi) with
        # e[lo] >= e[i] - window and hi past the last leg booked in the same second as i.
        lo = start
        hi = start
        n_in = n_out = n_amt = 0
        d_in = d_out = d_cp = d_cur = 0
        f0 = f1 = f2 = f3 = f4 = 0
        gap_sum = 0
        s_in = s_in_c = s_out = s_out_c = s_x = s_x_c = s1 = s1_c = s2 = s2_c = 0.0
        qa0 = qa1 = qg0 = qg1 = ql0 = ql1 = 0
        for i in range(start, end):
            while hi < end and e[hi] <= e[i]:
                j = hi
                hi += 1
                if inbound[j] == 1:
                    n_in += 1
                else:
                    n_out += 1
                f0 += flags[j, 0]
                f1 += flags[j, 1]
                f2 += flags[j, 2]
                f3 += flags[j, 3]
                f4 += flags[j, 4]
                gap_sum += gap[j]
                c = cp[j]
                if c >= 0:
                    if cnt_cp[c] == 0:
                        d_cp += 1
                    cnt_cp[c] += 1
                    if inbound[j] == 1:
                        if cnt_in[c] == 0:
                            d_in += 1
                        cnt_in[c] += 1
                    else:
                        if cnt_out[c] == 0:
                            d_out += 1
                        cnt_out[c] += 1
                c = cur[j]
                if c >= 0:
                    if cnt_cur[c] == 0:
                        d_cur += 1
                    cnt_cur[c] += 1
                if amt_ok[j]:
                    x = amt[j]
                    n_amt += 1
                    s1, s1_c = _dd_add(s1, s1_c, x)
                    sq, sq_c = _two_prod(x, x)
                    s2, s2_c = _dd_add_dd(s2, s2_c, sq, sq_c)
                    if inbound[j] == 1:
                        s_in, s_in_c = _dd_add(s_in, s_in_c, x)
                        if flags[j, 1] == 1:
                            s_x, s_x_c = _dd_add(s_x, s_x_c, x)
                    else:
                        s_out, s_out_c = _dd_add(s_out, s_out_c, x)
                    while qa1 > qa0 and amt[q_amt[qa1 - 1]] <= x:
                        qa1 -= 1
                    q_amt[qa1] = j
                    qa1 += 1
                    while ql1 > ql0 and amt[q_lo[ql1 - 1]] >= x:
                        ql1 -= 1
                    q_lo[ql1] = j
                    ql1 += 1
                while qg1 > qg0 and gap[q_gap[qg1 - 1]] >= gap[j]:
                    qg1 -= 1
                q_gap[qg1] = j
                qg1 += 1
            while e[lo] < e[i] - window:
                j = lo
                lo += 1
                if inbound[j] == 1:
                    n_in -= 1
                else:
                    n_out -= 1
                f0 -= flags[j, 0]
                f1 -= flags[j, 1]
                f2 -= flags[j, 2]
                f3 -= flags[j, 3]
                f4 -= flags[j, 4]
                gap_sum -= gap[j]
                c = cp[j]
                if c >= 0:
                    cnt_cp[c] -= 1
                    if cnt_cp[c] == 0:
                        d_cp -= 1
                    if inbound[j] == 1:
                        cnt_in[c] -= 1
                        if cnt_in[c] == 0:
                            d_in -= 1
                    else:
                        cnt_out[c] -= 1
                        if cnt_out[c] == 0:
                            d_out -= 1
                c = cur[j]
                if c >= 0:
                    cnt_cur[c] -= 1
                    if cnt_cur[c] == 0:
                        d_cur -= 1
                if amt_ok[j]:
                    x = amt[j]
                    n_amt -= 1
                    s1, s1_c = _dd_add(s1, s1_c, -x)
                    sq, sq_c = _two_prod(x, x)
                    s2, s2_c = _dd_add_dd(s2, s2_c, -sq, -sq_c)
                    if inbound[j] == 1:
                        s_in, s_in_c = _dd_add(s_in, s_in_c, -x)
                        if flags[j, 1] == 1:
                            s_x, s_x_c = _dd_add(s_x, s_x_c, -x)
                    else:
                        s_out, s_out_c = _dd_add(s_out, s_out_c, -x)
                if qa1 > qa0 and q_amt[qa0] == j:
                    qa0 += 1
                if ql1 > ql0 and q_lo[ql0] == j:
                    ql0 += 1
                if qg1 > qg0 and q_gap[qg0] == j:
                    qg0 += 1
            if o < m and out_rows[o] == i:
                legs = hi - lo
                r = res[:, o]
                r[0] = n_in
                r[1] = n_out
                # Sums of no amount are 0 (SQL: sum of amount * flag over legs that have one).
                r[2] = s_in + s_in_c if n_amt > 0 else np.nan
                r[3] = s_out + s_out_c if n_amt > 0 else np.nan
                r[4] = d_in
                r[5] = d_out
                r[6] = d_cp
                r[7] = d_cur
                if n_amt > 0:
                    mean = (s1 + s1_c) / n_amt
                    r[8] = mean
                    if n_amt == 1 or amt[q_amt[qa0]] == amt[q_lo[ql0]]:
                        r[9] = 0.0
                    else:
                        # Sum of squared deviations, sum(x^2) - sum(x)^2 / n, in two-term arithmetic
                        # so that it does not cancel away when the spread is small; never below 0.
                        q1 = s1 / n_amt
                        p_hi, p_lo = _two_prod(q1, float(n_amt))
                        q2 = ((s1 - p_hi) - p_lo + s1_c) / n_amt
                        m_hi, m_lo = _two_prod(s1, q1)
                        m_lo += s1 * q2 + s1_c * q1
                        ss_hi, ss_lo = _dd_add_dd(s2, s2_c, -m_hi, -m_lo)
                        var = (ss_hi + ss_lo) / (n_amt - 1)
                        r[9] = np.sqrt(var) if var > 0 else 0.0
                    r[10] = amt[q_amt[qa0]]
                    r[15] = s_x + s_x_c
                r[11] = gap_sum / legs
                r[12] = gap[q_gap[qg0]]
                r[13] = f0 / legs
                r[14] = f1 / legs
                r[16] = f2 / legs
                r[17] = f3 / legs
                r[18] = f4
                o += 1
        # Empty the per-value counts for the next account.
        for j in range(lo, hi):
            c = cp[j]
            if c >= 0:
                cnt_cp[c] = 0
                cnt_in[c] = 0
                cnt_out[c] = 0
            c = cur[j]
            if c >= 0:
                cnt_cur[c] = 0
        start = end
    return res


def dense_codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """``np.unique(values, return_inverse=True)``'s codes and count, in O(n) when the values span a
    range not much wider than their number (account and transaction ids do): a presence table
    and its running count give every value its rank among the distinct values."""
    values = np.asarray(values, np.int64)
    if len(values) == 0:
        return np.zeros(0, np.int64), 0
    lo, hi = int(values.min()), int(values.max())
    if hi - lo > 4 * len(values) + (1 << 16):
        uniq, inv = np.unique(values, return_inverse=True)
        return inv.astype(np.int64).reshape(-1), len(uniq)
    seen = np.zeros(hi - lo + 1, np.bool_)
    seen[values - lo] = True
    rank = np.cumsum(seen, dtype=np.int64) - 1
    return rank[values - lo], int(rank[-1]) + 1


def _numpy(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A column's values (no nulls) as NumPy, without a copy where Arrow allows one."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    return col.to_numpy(zero_copy_only=False)


def _valid(col: pa.ChunkedArray) -> np.ndarray:
    if col.null_count == 0:
        return np.ones(len(col), np.bool_)
    return ~np.asarray(_numpy(col.is_null()), np.bool_)


def _codes(col: pa.ChunkedArray) -> tuple[np.ndarray, int]:
    """Dense codes of a column's values (−1 for null) and how many distinct values there are."""
    if pa.types.is_integer(col.type):
        ok = _valid(col)
        vals = np.asarray(_numpy(col.fill_null(0) if col.null_count else col), np.int64)
        codes = np.full(len(vals), -1, np.int64)
        if ok.any():
            c, n = dense_codes(vals[ok])
            codes[ok] = c
            return codes, n
        return codes, 0
    enc = pc.dictionary_encode(col).combine_chunks()
    codes = enc.indices.to_numpy(zero_copy_only=False)
    codes = np.where(np.asarray(enc.indices.is_null().to_numpy(zero_copy_only=False), bool), -1, codes)
    return np.asarray(codes, np.int64), len(enc.dictionary)


def _ints(t: pa.Table, name: str) -> np.ndarray:
    col = t.column(name)
    return np.asarray(_numpy(col.fill_null(0) if col.null_count else col), np.int64)


def _window_results(legs: pa.Table, windows: list[tuple[str, int]],
                    gap_cap: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The kernel's results: the output rows (indices into ``legs``) and, per window label, a
    (len(ACCOUNT_AGGS), rows) array (NaN: null); under "" all of them, one window after the other."""
    acct = _ints(legs, "account")
    e = _ints(legs, "e")
    inbound = _ints(legs, "inbound")
    n = len(acct)
    if n and (np.any(np.diff(acct) < 0) or np.any((np.diff(acct) == 0) & (np.diff(e) < 0))):
        raise ValueError("window_aggregates: legs must be sorted by account, then time")
    gap = np.full(n, gap_cap, np.int64)
    if n > 1:
        same = acct[1:] == acct[:-1]
        gap[1:][same] = np.minimum(e[1:] - e[:-1], gap_cap)[same]
    cp, n_cp = _codes(legs.column("cp"))
    cur, n_cur = _codes(legs.column("currency"))
    amt_col = legs.column("amount_usd")
    amt_ok = _valid(amt_col)
    amt = np.asarray(_numpy(amt_col.fill_null(0.0) if amt_col.null_count else amt_col), np.float64)
    flags = np.empty((n, len(LEG_FLAGS)), np.int64)
    for k, f in enumerate(LEG_FLAGS):
        flags[:, k] = _ints(legs, f)
    out_col = legs.column("is_output")
    out_rows = np.flatnonzero(np.asarray(_numpy(out_col.fill_null(False) if out_col.null_count else out_col),
                                         bool)).astype(np.int64)
    # One block for every window, so that the pivot reads it without a concatenation.
    block = np.full((len(ACCOUNT_AGGS) * len(windows), len(out_rows)), np.nan)
    res = {}
    for k, (label, seconds) in enumerate(windows):
        res[label] = block[k * len(ACCOUNT_AGGS):(k + 1) * len(ACCOUNT_AGGS)]
        _window_aggs(acct, e, inbound, cp, cur, amt, amt_ok, flags, gap, out_rows, int(seconds),
                     max(n_cp, 1), max(n_cur, 1), res[label])
    res[""] = block
    return out_rows, res


def _float_array(vals: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """float64 Arrow array, null where ``vals`` is NaN (or ``missing``)."""
    mask = np.isnan(vals)
    if missing is not None:
        mask |= missing
    return pa.array(vals, pa.float64(), mask=mask if mask.any() else None)


def window_aggregates(legs: pa.Table, windows: list[tuple[str, int]], gap_cap: int) -> pa.Table:
    """Aggregates of each output leg's account over each ``(label, seconds)`` window.

    ``legs`` has (txn_id, inbound, account, e, cp, currency, amount_usd, the :data:`LEG_FLAGS`,
    is_output), sorted by account, e, txn_id, inbound. ``gap`` of a leg is the seconds since the
    account's previous leg in that order, capped at ``gap_cap`` (the cap for the first leg).
    """
    out_rows, res = _window_results(legs, windows, gap_cap)
    take = pa.array(out_rows)
    cols: dict[str, pa.Array] = {"txn_id": legs.column("txn_id").take(take),
                                 "inbound": legs.column("inbound").take(take)}
    for label, _ in windows:
        for k, name in enumerate(ACCOUNT_AGGS):
            cols[f"{name}_{label}"] = _float_array(np.ascontiguousarray(res[label][k]))
    return pa.table(cols)


@njit(cache=True, nogil=True)
def _scatter_columns(out, at, values, rows):  # pragma: no cover - compiled
    """out[:, at] = values[:, rows], row by row (NumPy's 2-D fancy assignment strides badly)."""
    for k in range(values.shape[0]):
        o = out[k]
        v = values[k]
        for j in range(rows.shape[0]):
            o[at[j]] = v[rows[j]]


def _pivot(tid: np.ndarray, inbound: np.ndarray, names: list[str], values: np.ndarray) -> pa.Table:
    """Per-leg value rows (``values[k]`` is column ``names[k]``, one value per leg) as one row per
    transaction (sorted by txn_id), ``src_``/``dst_`` by side; null where the transaction has no
    account on that side or the value is NaN."""
    pos, n_ids = dense_codes(tid)
    ids = np.empty(n_ids, np.int64)
    ids[pos] = tid
    cols: dict[str, pa.Array] = {"txn_id": pa.array(ids, pa.int64())}
    for side, prefix in ((0, "src_"), (1, "dst_")):
        rows = np.flatnonzero(inbound == side)
        # NaN where the side has no leg: then one isnan gives both kinds of null.
        out = np.full((len(names), n_ids), np.nan)
        _scatter_columns(out, pos[rows], values, rows)
        mask = np.isnan(out)
        for k, name in enumerate(names):
            cols[prefix + name] = pa.array(out[k], pa.float64(), mask=mask[k] if mask[k].any() else None)
    return pa.table(cols)


def by_transaction(aggs: pa.Table) -> pa.Table:
    """:func:`window_aggregates`' rows (one per leg) as one row per transaction, sorted by txn_id:
    the paying account's columns prefixed ``src_``, the receiving account's ``dst_`` (null where the
    transaction has no account on that side).

    One wide row per transaction lets the feature step join the aggregates once instead of twice
    (each join of the per-leg table built a hash table over both sides' legs)."""
    tid = np.asarray(_numpy(aggs.column("txn_id")), np.int64)
    inbound = np.asarray(_numpy(aggs.column("inbound")), np.int64)
    names = [c for c in aggs.column_names if c not in ("txn_id", "inbound")]
    values = np.empty((len(names), len(tid)), np.float64)
    for k, n in enumerate(names):
        values[k] = np.asarray(_numpy(aggs.column(n).cast(pa.float64()).fill_null(np.nan)), np.float64)
    return _pivot(tid, inbound, names, values)


def window_kernel(windows: list[tuple[str, int]], gap_cap: int):  # type: ignore[no-untyped-def]
    """An engine kernel computing :func:`window_aggregates`, one row per transaction
    (:func:`by_transaction`), straight from the kernel's arrays."""

    def account_windows(t: pa.Table) -> pa.Table:
        out_rows, res = _window_results(t, windows, gap_cap)
        tid = _ints(t, "txn_id")[out_rows]
        inbound = _ints(t, "inbound")[out_rows]
        names = [f"{name}_{label}" for label, _ in windows for name in ACCOUNT_AGGS]
        return _pivot(tid, inbound, names, res[""])

    return account_windows


@njit(cache=True, nogil=True)
def _distinct_in_frames(order, grp, e, val, window, n_vals):  # pragma: no cover - compiled
    n = order.shape[0]
    out = np.zeros(n, np.int64)
    cnt = np.zeros(n_vals, np.int64)
    start = 0
    while start < n:
        g = grp[order[start]]
        end = start
        while end < n and grp[order[end]] == g:
            end += 1
        lo = start
        hi = start
        d = 0
        for k in range(start, end):
            i = order[k]
            while hi < end and e[order[hi]] <= e[i]:
                c = val[order[hi]]
                if c >= 0:
                    if cnt[c] == 0:
                        d += 1
                    cnt[c] += 1
                hi += 1
            while e[order[lo]] < e[i] - window:
                c = val[order[lo]]
                if c >= 0:
                    cnt[c] -= 1
                    if cnt[c] == 0:
                        d -= 1
                lo += 1
            out[i] = d
        for k in range(lo, hi):
            c = val[order[k]]
            if c >= 0:
                cnt[c] = 0
        start = end
    return out


def windowed_distinct_counts(group: np.ndarray, e: np.ndarray, values: np.ndarray, window: int) -> np.ndarray:
    """For each row, the number of distinct ``values`` (negative: null, not counted) among the rows of
    its ``group`` with time in [e − window, e] (rows at the same time included, as SQL's
    ``count(DISTINCT v) OVER (PARTITION BY group ORDER BY e RANGE BETWEEN window PRECEDING AND
    CURRENT ROW)``). Inputs in any order; the result is in input order."""
    group = np.asarray(group, np.int64)
    e = np.asarray(e, np.int64)
    values = np.asarray(values, np.int64)
    if not (len(group) == len(e) == len(values)):
        raise ValueError("windowed_distinct_counts: group, e and values must have the same length")
    if len(group) == 0:
        return np.zeros(0, np.int64)
    ok = values >= 0
    codes = np.full(len(values), -1, np.int64)
    n_vals = 0
    if ok.any():
        codes[ok], n_vals = dense_codes(values[ok])
    return _distinct_in_frames(group_time_order(group, e), group, e, codes, int(window), max(n_vals, 1))


def group_time_order(group: np.ndarray, e: np.ndarray) -> np.ndarray:
    """``np.lexsort((e, group))``: rows by group, then time, ties in input order. One stable (radix)
    sort of a combined integer key where group codes times the time span fit in 62 bits."""
    g, n_g = dense_codes(group)
    e0 = int(e.min())
    span = int(e.max()) - e0 + 1
    if n_g * span < (1 << 62):
        return np.argsort(g * span + (e - e0), kind="stable").astype(np.int64)
    return np.lexsort((e, group)).astype(np.int64)
