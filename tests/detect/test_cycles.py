from __future__ import annotations

import numpy as np
import pytest

from counterflow.detect.cycles import shortest_temporal_cycles


def _reference(src: np.ndarray, dst: np.ndarray, e: np.ndarray, window: int, max_len: int) -> list[int]:
    """Breadth-first over (node, last edge) states: the shortest time-ordered path v → … → u of edges
    before i in the window, plus the closing edge."""
    out = []
    for i in range(len(src)):
        u, v = src[i], dst[i]
        best = 0
        if u != v:
            frontier = {(v, -1)}  # (where the money is, index of the edge that brought it)
            for hops in range(1, max_len):
                nxt = set()
                for node, last in frontier:
                    for j in range(last + 1, i):
                        if src[j] == node and e[j] >= e[i] - window:
                            nxt.add((dst[j], j))
                if any(node == u for node, _ in nxt):
                    best = hops + 1
                    break
                frontier = nxt
        out.append(best)
    return out


def test_meeting_in_the_middle_finds_a_long_cycle() -> None:
    # 1→2→3→4→5 then 5→1 closes a 5-cycle; an extra branch 2→9→4 gives no shorter one.
    src = np.array([1, 2, 2, 9, 3, 4, 5])
    dst = np.array([2, 3, 9, 4, 4, 5, 1])
    e = np.arange(7) * 10
    assert shortest_temporal_cycles(src, dst, e, window_s=100).tolist() == [0, 0, 0, 0, 0, 0, 5]
    # The branch 2→9→4 booked after 4→5 cannot be used: order matters.
    src2, dst2 = np.array([1, 2, 4, 9, 5]), np.array([2, 9, 5, 4, 1])
    assert shortest_temporal_cycles(src2, dst2, np.arange(5), window_s=100).tolist() == [0, 0, 0, 0, 0]


@pytest.mark.parametrize("seed", range(8))
def test_shortest_cycles_match_a_plain_search(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 90))
    nodes = int(rng.integers(3, 12))
    src = rng.integers(0, nodes, n)
    dst = rng.integers(0, nodes, n)
    e = np.sort(rng.integers(0, 200, n))
    window = int(rng.integers(10, 200))
    max_len = int(rng.integers(2, 7))
    got = shortest_temporal_cycles(src, dst, e, window_s=window, max_len=max_len, budget=10**9)
    assert got.tolist() == _reference(src, dst, e, window, max_len)


def test_a_search_cut_short_does_not_depend_on_older_history() -> None:
    # With a tiny budget many searches stop early; what they find must not change when the input
    # holds more history before the window (a larger chunk look-back), or features would depend on
    # the chunk size.
    rng = np.random.default_rng(7)
    n, nodes = 400, 12
    src, dst = rng.integers(0, nodes, n), rng.integers(0, nodes, n)
    e = np.sort(rng.integers(1_000, 2_000, n))
    old_src, old_dst = rng.integers(0, nodes, 300), rng.integers(0, nodes, 300)
    old_e = np.sort(rng.integers(0, 500, 300))
    short = shortest_temporal_cycles(src, dst, e, window_s=400, budget=15)
    longer = shortest_temporal_cycles(np.concatenate([old_src, src]), np.concatenate([old_dst, dst]),
                                      np.concatenate([old_e, e]), window_s=400, budget=15, first=300)
    exact = shortest_temporal_cycles(src, dst, e, window_s=400, budget=10**9)
    assert longer[300:].tolist() == short.tolist()
    assert (short != exact).any()  # the budget did cut searches short here
