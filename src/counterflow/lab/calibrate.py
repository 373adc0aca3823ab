"""Fit the twin's uncertain parameters on the years up to ``fit_until`` and forecast the rest.

1. **Fit** (:mod:`.abc`): ABC-SMC over the priors of :mod:`.priors`; the distance is the weighted
   root mean square of log errors against the public series of the fit years only: US
   synthetic-opioid deaths (each calendar year from the twin's start) and CBP seizures (each
   fiscal year). Mexican seizures are left out: the twin's Mexican checkpoints are fixed
   constants no prior moves, and the series is an order of magnitude above them.
2. **Forecast**: ``draws`` posterior particles (resampled by weight) times ``seeds`` seeds, run
   through the held-out years with the parameters frozen; once as they are and once with the
   drivers of the last held-out year given (:func:`drivers`).
3. **Score** (:mod:`.scoring`): held-out errors against the targets beside the naive baselines.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace

import numpy as np
from pydantic import Field

from counterflow.lab import priors as PR
from counterflow.lab import series as S
from counterflow.lab.abc import Fit, abc_smc
from counterflow.lab.outcomes import Outcomes
from counterflow.lab.runner import Job, Progress, run_jobs, seeds
from counterflow.scenario.base import Strict
from counterflow.scenario.trafficking import Trafficking
from counterflow.twin.assumptions import Assumptions, mg_for_lethal_share


class CalibrationConfig(Strict):
    fit_until: int = Field(2020, ge=2014, le=2023)
    last_year: int = Field(2024, ge=2015, le=2030)
    start_date: dt.date = dt.date(2013, 1, 1)
    particles: int = Field(24, ge=2, le=10_000)
    generations: int = Field(3, ge=1, le=20)
    keep: float = Field(0.25, gt=0, le=1)
    draws: int = Field(24, ge=1, le=10_000)
    seeds: int = Field(2, ge=1, le=1000)
    seed: int = 42
    params: tuple[str, ...] | None = None  # None: every documented parameter
    cbp_weight: float = Field(2.0, ge=0)  # one CBP year counts as this many death years


@dataclass(frozen=True)
class Target:
    outcome: str  # a key of Outcomes.yearly
    year: int
    value: float
    weight: float = 1.0


def fit_targets(series: dict, cfg: CalibrationConfig) -> list[Target]:
    first = cfg.start_date.year if cfg.start_date.month == 1 and cfg.start_date.day == 1 else cfg.start_date.year + 1
    out = [Target("deaths", y, v) for y, v in S.values(series, S.DEATHS, first, cfg.fit_until).items()]
    out += [Target("cbp_seized_lb", y, v, cfg.cbp_weight)
            for y, v in S.values(series, S.CBP, first + 1, cfg.fit_until).items()]
    return out


def distance(o: Outcomes, targets: list[Target]) -> float:
    """Weighted RMS of log(twin / observed) over the targets (inf when the twin has no value)."""
    num = den = 0.0
    for t in targets:
        x = o.get(t.outcome, t.year)
        if not (math.isfinite(x) and x > 0):
            return math.inf
        num += t.weight * (math.log(x) - math.log(t.value)) ** 2
        den += t.weight
    return math.sqrt(num / den) if den else math.inf


@dataclass
class Calibration:
    config: CalibrationConfig
    priors: tuple[PR.Prior, ...]
    targets: list[Target]
    fit: Fit
    draws: np.ndarray  # (D, d) unit-cube points of the forecast draws
    run_seeds: np.ndarray  # (S,)
    forecast: list[list[Outcomes]]  # [draw][seed]
    driven: list[list[Outcomes]]
    driver: dict


def drivers(series: dict, year: int) -> tuple[Assumptions, dict]:
    """The driver of ``year``'s fall given as an input: the fall in pill potency the DEA measured
    from the year before (its lethal-dose shares, turned into mean contents under the twin's
    lognormal), applied to the twin's own potency from ``year``'s first day."""
    lethal = S.values(series, S.LETHAL, year - 1, year)
    if len(lethal) < 2:
        raise ValueError(f"no {S.LETHAL} figures for {year - 1} and {year} to drive the forecast")
    factor = mg_for_lethal_share(lethal[year]) / mg_for_lethal_share(lethal[year - 1])
    d0 = dt.date(year, 1, 1)
    return Assumptions(potency_from=d0, potency_factor=factor), {
        "year": year, "lethal_dose_share": [lethal[year - 1], lethal[year]], "potency_factor": factor,
        "from": d0.isoformat(), "source": series[S.LETHAL][year].source}


def calibrate(cfg: CalibrationConfig, tr: Trafficking | None = None, series: dict | None = None,
              workers: int = 1, progress: Progress | None = None, targets: list[Target] | None = None,
              base_assume: Assumptions | None = None) -> Calibration:
    """Fit, then forecast over draws x seeds, plain and driven. ``targets`` replaces the public
    series (tests fit data the twin made)."""
    series = series if series is not None else S.load()
    base_tr = (tr or Trafficking()).model_copy(update={"start_date": cfg.start_date})
    base_a = base_assume or Assumptions()
    pri = PR.by_name(cfg.params)
    tg = targets if targets is not None else fit_targets(series, cfg)
    if not tg:
        raise ValueError("no observed values in the fit years")
    fit_end = dt.date(cfg.fit_until, 12, 31)
    rng = np.random.default_rng(np.random.SeedSequence(entropy=cfg.seed, spawn_key=(101,)))

    def simulate(points: np.ndarray, run_seeds: np.ndarray, g: int) -> np.ndarray:
        jobs = [Job.of(*PR.configure(base_tr, base_a, PR.values(pri, u)), fit_end, int(s))
                for u, s in zip(points, run_seeds)]
        outs = run_jobs(jobs, workers, progress, f"ABC gen {g + 1}/{cfg.generations}")
        return np.array([distance(o, tg) for o in outs])

    fit = abc_smc(simulate, len(pri), rng, cfg.particles, cfg.generations, cfg.keep)
    post = fit.posterior
    draws = post.points[post.resample(cfg.draws, rng)]
    run_seeds = seeds(cfg.seed, cfg.seeds, label=202)
    end = dt.date(cfg.last_year, 12, 31)
    drive_a, driver = drivers(series, cfg.last_year) if targets is None else (None, {})
    jobs, keys = [], []
    for kind, extra in (("plain", None), ("driven", drive_a)):
        if kind == "driven" and extra is None:
            continue
        for i, u in enumerate(draws):
            theta = PR.values(pri, u)
            a = base_a if extra is None else replace(base_a, potency_from=extra.potency_from,
                                                     potency_factor=extra.potency_factor)
            t2, a2 = PR.configure(base_tr, a, theta)
            for s in run_seeds:
                jobs.append(Job.of(t2, a2, end, int(s)))
                keys.append((kind, i))
    outs = run_jobs(jobs, workers, progress, "forecast")
    D, Sn = len(draws), len(run_seeds)
    plain = [outs[i * Sn:(i + 1) * Sn] for i in range(D)]
    driven = [outs[(D + i) * Sn:(D + i + 1) * Sn] for i in range(D)] if len(outs) > D * Sn else []
    return Calibration(cfg, pri, tg, fit, draws, run_seeds, plain, driven, driver)


def stack(runs: list[list[Outcomes]], name: str, years: list[int]) -> np.ndarray:
    """(draws * seeds, len(years)) values of one outcome."""
    return np.array([[o.get(name, y) for y in years] for per in runs for o in per])


def save(cal: Calibration, scores: dict, out) -> None:  # noqa: ANN001 - a Path
    """``calibration.json``, ``posterior.parquet`` and ``forecast.parquet`` in folder ``out``."""
    from pathlib import Path

    from counterflow.lab.outcomes import FISCAL, YEARLY
    from counterflow.lab.store import write_json, write_parquet

    out = Path(out)
    post = cal.fit.posterior
    cols: dict = {"particle": np.arange(len(post.weights)), "weight": post.weights, "distance": post.distances}
    for j, p in enumerate(cal.priors):
        cols[p.name] = [p.value(u) for u in post.points[:, j]]
    write_parquet(out / "posterior.parquet", cols)
    rows: dict[str, list] = {"kind": [], "draw": [], "seed": [], "outcome": [], "year": [], "value": []}
    for kind, runs in (("plain", cal.forecast), ("driven", cal.driven)):
        for i, per in enumerate(runs):
            for s, o in zip(cal.run_seeds, per):
                for name in (*YEARLY, *FISCAL):
                    for y, v in zip(o.years, o.yearly[name]):
                        rows["kind"].append(kind)
                        rows["draw"].append(i)
                        rows["seed"].append(int(s))
                        rows["outcome"].append(name)
                        rows["year"].append(int(y))
                        rows["value"].append(float(v))
    write_parquet(out / "forecast.parquet", rows)
    gens = [{"generation": g, "epsilon": p.epsilon, "ess": float(1 / np.sum(p.weights ** 2))}
            for g, p in enumerate(cal.fit.populations)]
    mean = {p.name: p.value(float(u)) for p, u in zip(cal.priors, post.mean())}
    write_json(out / "calibration.json", {
        "config": cal.config.model_dump(mode="json"), "priors": PR.table(),
        "fit_targets": [t.__dict__ for t in cal.targets], "generations": gens,
        "simulations": cal.fit.simulations, "posterior_mean": mean, "scores": scores,
    })
