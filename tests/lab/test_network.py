"""The static interdiction model on a toy network whose optimal plans are known by hand."""

from __future__ import annotations

import numpy as np
import pytest

from counterflow.lab.network import Action, Network, betweenness, greedy_by_flow, key_players, min_cut_plan, random_plan

# source -> a -> sink (10 then 4), source -> b -> sink (5 then 5): maximum flow 4 + 5 = 9.
# cut_sa removes 10 of capacity that carries only 4; half_bt halves b's exit.
ACTIONS = (Action("cut_at", 3, (1,), 1.0), Action("cut_sb", 5, (2,), 1.0), Action("half_bt", 2, (3,), 0.5),
           Action("cut_sa", 4, (0,), 1.0), Action("banks", 1, (), 0.0))


def toy() -> Network:
    return Network(("s", "a", "b", "t"), ((0, 1), (1, 3), (0, 2), (2, 3)), np.array([10.0, 4, 5, 5]), 0, 3, ACTIONS)


@pytest.mark.parametrize(("budget", "plan", "left"), [
    (1, [], 9.0), (2, ["half_bt"], 6.5), (3, ["cut_at"], 5.0), (5, ["cut_at", "half_bt"], 2.5),
    (8, ["cut_at", "cut_sb"], 0.0),
])
def test_min_cut_milp_finds_the_known_optimum(budget: float, plan: list[str], left: float) -> None:
    net = toy()
    chosen, flow = min_cut_plan(net, budget)
    assert sorted(chosen) == sorted(plan) or (not plan and chosen in ([], ["banks"]))
    assert flow == pytest.approx(left, abs=1e-6)
    assert net.max_flow(chosen) == pytest.approx(left, abs=1e-6)


def test_max_flow_and_reduced_capacities() -> None:
    net = toy()
    assert net.max_flow() == pytest.approx(9.0)
    assert net.max_flow(["cut_sa"]) == pytest.approx(5.0)
    assert net.max_flow(["half_bt", "cut_at"]) == pytest.approx(2.5)


def test_greedy_by_flow_misses_the_optimum_where_it_should() -> None:
    net = toy()
    # Flow per dollar: cut_at 4/3, half_bt 2.5/2, cut_sa 4/4, cut_sb 5/5: greedy takes cut_at, half_bt.
    assert greedy_by_flow(net, 5) == ["cut_at", "half_bt"]
    g = greedy_by_flow(net, 8)
    assert net.max_flow(g) == pytest.approx(2.5)
    assert net.max_flow(min_cut_plan(net, 8)[0]) == pytest.approx(0.0, abs=1e-9)


def test_key_players_and_random_plans_respect_the_budget() -> None:
    net = toy()
    bc = betweenness(net)
    assert bc[0] == bc[3] == 1.0 and bc[1] == bc[2] == 0.5
    assert sum(a.cost for a in net.actions if a.key in key_players(net, 6)) <= 6
    rng = np.random.default_rng(0)
    for _ in range(20):
        p = random_plan(net, 6, rng)
        assert sum(a.cost for a in net.actions if a.key in p) <= 6


def test_one_action_per_arc_and_effects_in_range() -> None:
    with pytest.raises(ValueError, match="one action per arc"):
        Network(("s", "t"), ((0, 1),), np.array([1.0]), 0, 1, (Action("x", 1, (0,), 1), Action("y", 1, (0,), 1)))
    with pytest.raises(ValueError, match="effect"):
        Network(("s", "t"), ((0, 1),), np.array([1.0]), 0, 1, (Action("x", 1, (0,), 1.5),))
