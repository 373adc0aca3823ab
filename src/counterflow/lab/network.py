"""A static network model of the supply chain and budgeted interdiction on it.

Nodes and arcs carry a capacity (kg a year that can pass); an action costs money and cuts the
capacity of one or more arcs by a share (its effectiveness). The static planner chooses the
actions that minimise the maximum flow from source to sink under a budget: Wood's (1993)
max-flow interdiction, with partial cuts, as one mixed-integer programme solved by HiGHS
(``scipy.optimize.milp``). For binary node sides ``pi`` (0 source side, 1 sink side), binary
actions ``x`` and arc variables ``beta`` (arc cut at full capacity) and ``gamma`` (arc cut at its
reduced capacity, allowed only when an action hits it)::

    min  sum_a u_a beta_a + (1 - e_a) u_a gamma_a
    s.t. beta_a + gamma_a >= pi_head(a) - pi_tail(a)    for every arc a
         gamma_a <= x_k                                 for every arc a hit by action k
         pi_source = 0, pi_sink = 1, sum_k c_k x_k <= B

For fixed ``x`` the inner minimum is the minimum cut of the reduced network, i.e. its maximum
flow; the programme minimises it over the affordable ``x``. Heuristics on the same network:
greedy by flow (actions by capacity removed per dollar), key players (by the betweenness of the
arcs' nodes, structure only, per dollar) and random affordable plans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Action:
    key: str
    cost: float
    arcs: tuple[int, ...]  # indices into Network.arcs
    effect: float  # share of each arc's capacity removed
    note: str = ""


@dataclass(frozen=True)
class Network:
    nodes: tuple[str, ...]
    arcs: tuple[tuple[int, int], ...]
    capacity: np.ndarray
    source: int
    sink: int
    actions: tuple[Action, ...]

    def __post_init__(self) -> None:
        hit: dict[int, str] = {}
        for a in self.actions:
            if not 0 <= a.effect <= 1:
                raise ValueError(f"action {a.key}: effect must be in [0, 1]")
            for i in a.arcs:
                if i in hit:
                    raise ValueError(f"arc {i} is hit by both {hit[i]} and {a.key}: one action per arc")
                hit[i] = a.key

    def reduced(self, chosen: Sequence[str]) -> np.ndarray:
        u = self.capacity.astype(float).copy()
        pick = set(chosen)
        for a in self.actions:
            if a.key in pick:
                u[list(a.arcs)] *= 1 - a.effect
        return u

    def max_flow(self, chosen: Sequence[str] = ()) -> float:
        """Maximum flow with the actions ``chosen`` applied (HiGHS linear programme)."""
        return self.flows(chosen)[0]

    def flows(self, chosen: Sequence[str] = ()) -> tuple[float, np.ndarray]:
        """(maximum flow, flow on each arc) with the actions ``chosen`` applied."""
        from scipy.optimize import linprog

        u = self.reduced(chosen)
        n_a, n_v = len(self.arcs), len(self.nodes)
        # Conservation at every node but source and sink; maximise what enters the sink.
        A = np.zeros((n_v, n_a))
        for i, (a, b) in enumerate(self.arcs):
            A[a, i] -= 1
            A[b, i] += 1
        keep = [v for v in range(n_v) if v not in (self.source, self.sink)]
        c = -A[self.sink]
        res = linprog(c, A_eq=A[keep], b_eq=np.zeros(len(keep)), bounds=list(zip(np.zeros(n_a), u)),
                      method="highs")
        if res.status != 0:
            raise RuntimeError(f"max-flow LP failed: {res.message}")
        return float(-res.fun), np.asarray(res.x)


def min_cut_plan(net: Network, budget: float) -> tuple[list[str], float]:
    """The budgeted interdiction MILP: (actions chosen, maximum flow left)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    n_v, n_a, n_k = len(net.nodes), len(net.arcs), len(net.actions)
    # Variables: pi (n_v), beta (n_a), gamma (n_a), x (n_k).
    o_b, o_g, o_x = n_v, n_v + n_a, n_v + 2 * n_a
    n = o_x + n_k
    eff = np.zeros(n_a)
    arc_action = np.full(n_a, -1)
    for k, a in enumerate(net.actions):
        for i in a.arcs:
            eff[i] = a.effect
            arc_action[i] = k
    c = np.zeros(n)
    c[o_b:o_g] = net.capacity
    c[o_g:o_x] = (1 - eff) * net.capacity
    rows, lo, hi = [], [], []
    for i, (a, b) in enumerate(net.arcs):
        r = np.zeros(n)
        r[o_b + i] = r[o_g + i] = 1
        r[b] -= 1
        r[a] += 1
        rows.append(r)
        lo.append(0.0)
        hi.append(np.inf)
        r = np.zeros(n)
        r[o_g + i] = 1
        if arc_action[i] >= 0:
            r[o_x + arc_action[i]] = -1
        rows.append(r)
        lo.append(-np.inf)
        hi.append(0.0)
    r = np.zeros(n)
    r[o_x:] = [a.cost for a in net.actions]
    rows.append(r)
    lo.append(-np.inf)
    hi.append(float(budget))
    lb, ub = np.zeros(n), np.ones(n)
    ub[o_b:o_x] = np.inf
    lb[net.source] = ub[net.source] = 0
    lb[net.sink] = ub[net.sink] = 1
    integrality = np.zeros(n)
    integrality[:n_v] = 1
    integrality[o_x:] = 1
    res = milp(c, constraints=LinearConstraint(np.array(rows), lo, hi), integrality=integrality,
               bounds=Bounds(lb, ub), options={"disp": False, "mip_rel_gap": 1e-9})
    if res.status != 0 or res.x is None:
        raise RuntimeError(f"interdiction MILP failed: {res.message}")
    chosen = [a.key for a, v in zip(net.actions, res.x[o_x:]) if v > 0.5]
    return chosen, float(res.fun)


def _affordable_in_order(net: Network, order: Sequence[int], budget: float) -> list[str]:
    out, spent = [], 0.0
    for k in order:
        a = net.actions[k]
        if spent + a.cost <= budget + 1e-9:
            out.append(a.key)
            spent += a.cost
    return out


def greedy_by_flow(net: Network, budget: float) -> list[str]:
    """Actions by the flow they would stop (effect times the maximum flow's flow on their arcs)
    per dollar, taken in that order while the budget lasts."""
    _, f = net.flows()
    score = [a.effect * f[list(a.arcs)].sum() / a.cost if a.arcs else 0.0 for a in net.actions]
    return _affordable_in_order(net, np.argsort(-np.asarray(score), kind="stable"), budget)


def betweenness(net: Network) -> np.ndarray:
    """Share of source-to-sink paths through each node (paths counted by dynamic programming on
    the acyclic network; structure only, capacities ignored)."""
    n_v = len(net.nodes)
    out = [[] for _ in range(n_v)]
    inn = [[] for _ in range(n_v)]
    for a, b in net.arcs:
        out[a].append(b)
        inn[b].append(a)
    order, seen = [], [False] * n_v

    def visit(v: int) -> None:  # topological order by depth-first search
        seen[v] = True
        for w in out[v]:
            if not seen[w]:
                visit(w)
        order.append(v)

    visit(net.source)
    order.reverse()
    fwd = np.zeros(n_v)
    fwd[net.source] = 1
    for v in order:
        for w in out[v]:
            fwd[w] += fwd[v]
    back = np.zeros(n_v)
    back[net.sink] = 1
    for v in reversed(order):
        for w in out[v]:
            back[v] += back[w]
    total = fwd[net.sink]
    return fwd * back / total if total else np.zeros(n_v)


def key_players(net: Network, budget: float) -> list[str]:
    """Actions by the betweenness of the nodes their arcs leave, per dollar (Borgatti's key
    players, by structure: what a network analyst without flow data would pick)."""
    bc = betweenness(net)
    score = [max(bc[net.arcs[i][0]] for i in a.arcs) * a.effect / a.cost if a.arcs else 0.0 for a in net.actions]
    return _affordable_in_order(net, np.argsort(-np.asarray(score), kind="stable"), budget)


def random_plan(net: Network, budget: float, rng: np.random.Generator) -> list[str]:
    return _affordable_in_order(net, rng.permutation(len(net.actions)), budget)
