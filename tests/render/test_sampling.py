from __future__ import annotations

import numpy as np

from counterflow.render.batch import sort_by_time
from counterflow.render.economy.context import Alias, by_day_of_month
from counterflow.render.ids import opaque_ids


def test_alias_draws_follow_the_weights() -> None:
    w = np.array([5.0, 0.0, 1.0, 3.0, 0.5, 0.5, 10.0])
    draws = Alias.build(w).draw(700_000, np.random.default_rng(1))
    freq = np.bincount(draws, minlength=len(w)) / len(draws)
    assert freq[1] == 0  # zero weight, never drawn
    np.testing.assert_allclose(freq, w / w.sum(), atol=0.003)


def test_alias_handles_one_item_and_equal_weights() -> None:
    assert set(Alias.build(np.array([2.0])).draw(100, np.random.default_rng(0))) == {0}
    d = Alias.build(np.ones(4)).draw(40_000, np.random.default_rng(0))
    np.testing.assert_allclose(np.bincount(d) / 40_000, 0.25, atol=0.01)


def test_sort_by_time_is_stable_and_carries_every_column() -> None:
    ts = np.array([5, 3, 5, 1, 3], dtype=np.int64) + 1_700_000_000
    cols = {"ts": ts, "row": np.arange(5)}
    out = sort_by_time(cols)
    assert out["ts"].tolist() == sorted(ts.tolist())
    assert out["row"].tolist() == [3, 1, 4, 0, 2]  # ties keep their input order


def test_opaque_ids_are_unique_across_streams_and_hide_order() -> None:
    a = opaque_ids(1, np.arange(100_000))
    b = opaque_ids(2, np.arange(100_000))
    assert len(np.unique(np.concatenate([a, b]))) == 200_000
    assert a.min() >= 0 and a.max() < 2**52
    assert not np.all(np.diff(a) > 0)  # not increasing with the index


def test_by_day_of_month_groups_items() -> None:
    order, starts = by_day_of_month(np.array([3, 1, 3, 28]))
    assert order[starts[3] : starts[4]].tolist() == [0, 2]
    assert order[starts[1] : starts[2]].tolist() == [1]
    assert starts[5] == starts[28]


def test_grouped_alias_draws_within_each_group_by_weight() -> None:
    from counterflow.render.economy.context import GroupedAlias

    g = GroupedAlias.build([np.array([1.0, 3.0]), np.array([]), np.array([2.0, 2.0, 4.0])])
    group = np.repeat([0, 1, 2], 200_000)
    pos = g.draw(group, np.random.default_rng(3))
    assert np.all(pos[group == 1] == -1)  # an empty group yields nothing
    a, c = pos[group == 0], pos[group == 2]
    assert set(a) == {0, 1} and set(c) == {2, 3, 4}
    np.testing.assert_allclose(np.bincount(a, minlength=2)[:2] / len(a), [0.25, 0.75], atol=0.005)
    np.testing.assert_allclose(np.bincount(c - 2, minlength=3) / len(c), [0.25, 0.25, 0.5], atol=0.005)


def test_opaque_ids_do_not_tell_their_stream() -> None:
    # The population's parties (stream 1) and a twin's (stream 11): a linear scramble kept the low 32
    # bits equal across streams; the Feistel network leaves no bit or order that tells them apart.
    a = opaque_ids(1, np.arange(50_000))
    b = opaque_ids(11, np.arange(50_000))
    assert not np.any((a & 0xFFFFFFFF) == (b & 0xFFFFFFFF))
    both = np.concatenate([a, b])
    rank = np.argsort(np.argsort(both))[50_000:] / len(both)
    assert abs(rank.mean() - 0.5) < 0.01  # stream 11's ids are spread like stream 1's
    bits = ((both[:, None] >> np.arange(52)) & 1).astype(float)
    gap = np.abs(bits[:50_000].mean(0) - bits[50_000:].mean(0))
    assert gap.max() < 0.02  # no single bit tells the stream
