"""Benchmark of the physical trafficking twin: a five-year national run on one core.

Prints the run's wall and CPU time and, as a same-run baseline, the border-crossing step written
the Mesa way (one Python object per load, a Python loop over them) on the same days and the same
numbers of loads, next to the vectorised step's own time on those days.

    .venv/bin/python bench/twin_bench.py [--years 5] [--seed 42]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import time

import numpy as np

from counterflow.scenario.trafficking import Trafficking
from counterflow.twin import crossing
from counterflow.twin import params as P
from counterflow.twin.model import TraffickingModel


class Load:
    """One load as a Mesa-style agent."""

    def __init__(self, cartel: int, form: int, kg: float) -> None:
        self.cartel, self.form, self.kg = cartel, form, kg
        self.crossing = self.method = -1
        self.seized = False

    def step(self, model: ObjectBorder, rng: random.Random) -> None:
        weights = model.weights[self.cartel]
        u = rng.random() * model.totals[self.cartel]
        acc, k = 0.0, 0
        for w in weights:
            acc += w
            if acc >= u:
                break
            k += 1
        k = min(k, len(weights) - 1)
        self.crossing, self.method = divmod(k, len(P.METHODS))
        if self.method == 2:
            p = P.TUNNEL_FIND
        else:
            p = P.REFERRAL[self.method] + model.scan[self.crossing] * P.SCAN_DETECT[self.method]
        self.seized = rng.random() < p
        model.seen[self.cartel][k] += 1
        model.caught[self.cartel][k] += self.seized


class ObjectBorder:
    """The crossing step with per-agent objects: choice weights, inspection, counting."""

    def __init__(self, m: TraffickingModel) -> None:
        self.m = m
        self.scan = [0.0] * len(P.CROSSINGS)

    def step(self, t: int, n_loads: int, rng: random.Random) -> None:
        m = self.m
        self.scan = list(m.policy.scan_share[t])
        self.weights, self.totals = [], []
        for c in P.CARTELS:
            w = []
            for j, cr in enumerate(P.CROSSINGS):
                for k in range(len(P.METHODS)):
                    if k == 2 and not cr.tunnel:
                        w.append(0.0)
                        continue
                    w.append(math.exp(cr.affinity[c] + P.METHOD_SHARE_PRIOR[k] - P.METHOD_COST[k]
                                      - m.tr.risk_aversion * m.x_risk[c][j][k]))
            self.weights.append(w)
            self.totals.append(sum(w))
        self.seen = [[0] * len(self.weights[0]) for _ in P.CARTELS]
        self.caught = [[0] * len(self.weights[0]) for _ in P.CARTELS]
        loads = [Load(i % 2, (i // 2) % 2, 0.5) for i in range(n_loads)]
        for load in loads:
            load.step(self, rng)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    start = dt.date(2018, 1, 1)
    end = dt.date(start.year + args.years, 1, 1) - dt.timedelta(days=1)
    tr = Trafficking(start_date=start)

    spent = np.zeros(1)
    original = crossing.cross_step

    def timed(m: TraffickingModel, t: int, y: float) -> None:
        c0 = time.perf_counter()
        original(m, t, y)
        spent[0] += time.perf_counter() - c0

    crossing.cross_step = timed
    try:
        w0, c0 = time.perf_counter(), time.process_time()
        model = TraffickingModel(tr, end, args.seed)
        result = model.run()
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    finally:
        crossing.cross_step = original
    loads = result.series["loads"].sum(axis=(1, 2)).astype(int)
    print(f"five-year national run: {args.years} years ({result.days} days), seed {args.seed}")
    print(f"  wall {wall:.2f} s, CPU {cpu:.2f} s, {result.days / wall:,.0f} days/s; "
          f"{int(loads.sum()):,} border loads, {len(result.seizures['day']):,} seizures, "
          f"{len(result.shipments['order_day']):,} shipments")

    obj = ObjectBorder(model)
    rng = random.Random(args.seed)
    w0 = time.perf_counter()
    for t in range(result.days):
        obj.step(t, int(loads[t]), rng)
    object_s = time.perf_counter() - w0
    print(f"  border step, vectorised (in the run): {spent[0]:.2f} s")
    print(f"  border step, one Python object per load (same days, same loads): {object_s:.2f} s")
    print(f"  ratio object / vectorised: {object_s / spent[0]:.1f}x  (about {loads.mean():.0f} loads a day: "
          "array overhead dominates)")
    # The same step where loads are many (e.g. every courier and vehicle a load): 200 sample days
    # at 100 times the product, vectorised step against the object loop on the same load counts.
    days = np.linspace(result.days // 2, result.days - 10, 200).astype(int)
    before = model.series["loads"][days].sum()
    vec = 0.0
    for t in days:
        model.staged[:] = 100 * P.LOAD_PURE_KG[None, :] * 10
        model._dispatch_today = np.zeros(2)
        c0 = time.perf_counter()
        original(model, int(t), 2021.0)
        vec += time.perf_counter() - c0
    many = int(model.series["loads"][days].sum() - before)
    w0 = time.perf_counter()
    for t in days:
        obj.step(int(t), many // len(days), rng)
    obj_many = time.perf_counter() - w0
    print(f"  at {many // len(days):,} loads a day: vectorised {vec:.3f} s, objects {obj_many:.3f} s, "
          f"ratio {obj_many / vec:.1f}x")


if __name__ == "__main__":
    main()
