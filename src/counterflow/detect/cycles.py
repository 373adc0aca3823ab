"""Temporal cycles: the graph pattern SQL does badly, as a Numba kernel over a windowed edge list.

A transaction u→v at time t *closes a temporal cycle* of length L when money could have gone
round: a path v→x₁→…→u of L−1 earlier transactions, each no earlier than the one before it, all
within the window [t − W, t]. For every transaction the kernel returns the shortest such L up
to ``max_len`` (0 when none). Only transactions before it in time order are used (ties broken by
transaction id, which increases with time), so the feature never looks ahead.

The search walks backwards from u along incoming edges whose time does not exceed the previous
hop's, stopping at the window's start, at ``max_len`` hops, and after ``budget`` edge visits per
transaction: hub accounts would otherwise make one transaction cost the whole graph. Visiting a
node twice cannot give a shorter cycle (cutting the loop out keeps the times in order), so the
search keeps no visited set.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from numba import njit

DEFAULT_MAX_LEN = 6
DEFAULT_BUDGET = 20_000


@njit(cache=True, nogil=True)
def _shortest_cycles(src, dst, e, ptr, in_idx, first, window, max_len, budget):  # pragma: no cover - compiled
    n = src.shape[0]
    out = np.zeros(n, np.int8)
    st_node = np.empty(budget + 1, np.int64)
    st_bound = np.empty(budget + 1, np.int64)
    st_depth = np.empty(budget + 1, np.int64)
    for i in range(first, n):
        u = src[i]
        v = dst[i]
        if u == v:
            continue
        lo_t = e[i] - window
        best = max_len + 1
        top = 0
        st_node[0] = u
        st_bound[0] = i
        st_depth[0] = 0
        top = 1
        visits = 0
        while top > 0 and visits < budget:
            top -= 1
            node = st_node[top]
            bound = st_bound[top]
            depth = st_depth[top]
            a = ptr[node]
            b = ptr[node + 1]
            # In-edges of node are stored in time order: only those before `bound` qualify.
            hi = a + np.searchsorted(in_idx[a:b], bound)
            k = hi - 1
            while k >= a and visits < budget:
                j = in_idx[k]
                k -= 1
                if e[j] < lo_t:
                    break
                visits += 1
                p = src[j]
                if p == v:
                    if depth + 2 < best:
                        best = depth + 2
                elif p != u and depth + 3 < best and depth + 3 <= max_len and top < budget:
                    st_node[top] = p
                    st_bound[top] = j
                    st_depth[top] = depth + 1
                    top += 1
            if best == 2:
                break
        if best <= max_len:
            out[i] = best
    return out


def shortest_temporal_cycles(src: np.ndarray, dst: np.ndarray, e: np.ndarray, *, window_s: int,
                             max_len: int = DEFAULT_MAX_LEN, first: int = 0,
                             budget: int = DEFAULT_BUDGET) -> np.ndarray:
    """Shortest temporal cycle each edge closes (0: none), for edges sorted by time.

    ``src``/``dst`` are account ids, ``e`` times in seconds, all in time order; edges before
    ``first`` are history only (their result is 0 and is not computed).
    """
    n = len(src)
    if n == 0:
        return np.zeros(0, np.int8)
    if max_len < 2 or max_len > 127:
        raise ValueError("max_len must be between 2 and 127")
    nodes, inv = np.unique(np.concatenate([src, dst]), return_inverse=True)
    s, d = inv[:n].astype(np.int64), inv[n:].astype(np.int64)
    # CSR of incoming edges by target; a stable sort keeps each node's in-edges in time order.
    in_idx = np.argsort(d, kind="stable").astype(np.int64)
    ptr = np.zeros(len(nodes) + 1, np.int64)
    np.cumsum(np.bincount(d, minlength=len(nodes)), out=ptr[1:])
    return _shortest_cycles(s, d, np.ascontiguousarray(e, np.int64), ptr, in_idx, int(first),
                            int(window_s), int(max_len), int(budget))


def cycles_kernel(window_s: int, max_len: int = DEFAULT_MAX_LEN, budget: int = DEFAULT_BUDGET):  # type: ignore[no-untyped-def]
    """An engine kernel: input (txn_id, e, src_account, dst_account, is_output) in time order,
    output (txn_id, cycle_len) for the rows marked as output."""

    def temporal_cycles(t: pa.Table) -> pa.Table:
        out_mask = t.column("is_output").to_numpy(zero_copy_only=False).astype(bool)
        first = int(np.argmax(out_mask)) if out_mask.any() else len(out_mask)
        lens = shortest_temporal_cycles(
            t.column("src_account").to_numpy(zero_copy_only=False),
            t.column("dst_account").to_numpy(zero_copy_only=False),
            t.column("e").to_numpy(zero_copy_only=False),
            window_s=window_s, max_len=max_len, first=first, budget=budget)
        ids = t.column("txn_id").to_numpy(zero_copy_only=False)
        return pa.table({"txn_id": pa.array(ids[out_mask]), "cycle_len": pa.array(lens[out_mask])})

    return temporal_cycles
