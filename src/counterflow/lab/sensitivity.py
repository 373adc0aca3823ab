"""Which assumptions the answers depend on: Morris screening and Sobol indices (SALib).

Both sample the unit cube of the documented priors (:mod:`.priors`) and run the twin at each
point with one common seed (common random numbers: differences between points are the
parameters' doing, not the seed's). Outcomes are aggregated over a period of whole years as in
:mod:`.batch`. Morris gives, per parameter and outcome, mu* (mean absolute elementary effect,
its bootstrap confidence) and sigma; Sobol (Saltelli sampling, first and total order) gives S1
and ST with bootstrap confidence intervals at ``conf_level``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from counterflow.lab import priors as PR
from counterflow.lab.batch import aggregate
from counterflow.lab.runner import Job, Progress, run_jobs
from counterflow.scenario.trafficking import Trafficking
from counterflow.twin.assumptions import Assumptions

SENS_OUTCOMES: tuple[str, ...] = ("deaths", "supply_sold_kg", "cbp_seized_lb", "seized_border_kg",
                                  "price_mexico_usd_kg", "cartel_revenue_usd", "broker_fees_usd")


def _problem(pri: tuple[PR.Prior, ...]) -> dict:
    return {"num_vars": len(pri), "names": [p.name for p in pri], "bounds": [[0.0, 1.0]] * len(pri)}


def _evaluate(points: np.ndarray, pri: tuple[PR.Prior, ...], tr: Trafficking, end: dt.date, period: tuple[int, int],
              seed: int, outcomes: tuple[str, ...], workers: int, progress: Progress | None, stage: str) -> np.ndarray:
    jobs = [Job.of(*PR.configure(tr, Assumptions(), PR.values(pri, u)), end, seed) for u in points]
    outs = run_jobs(jobs, workers, progress, stage)
    return np.array([[aggregate(o, *period)[k] for k in outcomes] for o in outs])


def _salib():  # noqa: ANN202
    try:
        from SALib.analyze import morris as morris_a
        from SALib.analyze import sobol as sobol_a
        from SALib.sample import morris as morris_s
        from SALib.sample import sobol as sobol_s
    except ImportError as exc:  # pragma: no cover - SALib is a dependency
        raise RuntimeError("sensitivity analysis needs SALib (pip install SALib)") from exc
    return morris_s, morris_a, sobol_s, sobol_a


def morris(tr: Trafficking, end: dt.date, period: tuple[int, int], trajectories: int = 4, levels: int = 4,
           params: tuple[str, ...] | None = None, outcomes: tuple[str, ...] = SENS_OUTCOMES, seed: int = 42,
           workers: int = 1, progress: Progress | None = None) -> dict:
    morris_s, morris_a, _, _ = _salib()
    pri = PR.by_name(params)
    prob = _problem(pri)
    X = morris_s.sample(prob, trajectories, num_levels=levels, seed=seed)
    Y = _evaluate(X, pri, tr, end, period, seed, outcomes, workers, progress, "Morris")
    res = {}
    for j, k in enumerate(outcomes):
        a = morris_a.analyze(prob, X, Y[:, j], num_levels=levels, seed=seed, print_to_console=False)
        res[k] = {n: {"mu_star": float(a["mu_star"][i]), "mu_star_conf": float(a["mu_star_conf"][i]),
                      "sigma": float(a["sigma"][i])} for i, n in enumerate(prob["names"])}
    return {"method": "morris", "trajectories": trajectories, "levels": levels, "runs": len(X),
            "period": list(period), "indices": res}


def sobol(tr: Trafficking, end: dt.date, period: tuple[int, int], base: int = 16, conf_level: float = 0.9,
          params: tuple[str, ...] | None = None, outcomes: tuple[str, ...] = SENS_OUTCOMES, seed: int = 42,
          workers: int = 1, progress: Progress | None = None) -> dict:
    _, _, sobol_s, sobol_a = _salib()
    if base & (base - 1):
        raise ValueError("the Sobol base sample size must be a power of two")
    pri = PR.by_name(params)
    prob = _problem(pri)
    X = sobol_s.sample(prob, base, calc_second_order=False, seed=seed)
    Y = _evaluate(X, pri, tr, end, period, seed, outcomes, workers, progress, "Sobol")
    res = {}
    for j, k in enumerate(outcomes):
        y = Y[:, j]
        if not np.all(np.isfinite(y)) or np.var(y) == 0:
            res[k] = None
            continue
        a = sobol_a.analyze(prob, y, calc_second_order=False, conf_level=conf_level, seed=seed,
                            print_to_console=False)
        res[k] = {n: {"S1": float(a["S1"][i]), "S1_conf": float(a["S1_conf"][i]), "ST": float(a["ST"][i]),
                      "ST_conf": float(a["ST_conf"][i])} for i, n in enumerate(prob["names"])}
    return {"method": "sobol", "base": base, "conf_level": conf_level, "runs": len(X), "period": list(period),
            "indices": res}
