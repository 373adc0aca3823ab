"""Scenario batches with uncertainty: every outcome per scenario as a median and a 90% band, and
the differences between scenarios with their bands.

Each scenario runs over the same parameter draws and the same seeds (common random numbers), so
a difference is taken pair by pair (draw, seed) and its band is the band of those paired
differences, not the gap between two bands. Draws come from a calibration's posterior
(``posterior.parquet``, resampled by weight) or, without one, from the priors.
Outcomes are aggregated over a period of whole calendar years: flows summed, prices and shares
averaged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from counterflow.errors import InputError
from counterflow.lab import priors as PR
from counterflow.lab.outcomes import FISCAL, YEARLY, Outcomes
from counterflow.lab.runner import Job, Progress, run_jobs, seeds
from counterflow.scenario.trafficking import Trafficking
from counterflow.twin.assumptions import Assumptions

AVERAGED = {"lethal_dose_share", "price_china_usd_kg", "price_mexico_usd_kg", "price_us_wholesale_usd_kg",
            "pill_price_usd"}
OUTCOMES: tuple[str, ...] = (*YEARLY, *FISCAL)


def posterior_draws(path: Path, n: int, rng: np.random.Generator) -> list[dict[str, float]]:
    """``n`` parameter sets resampled by weight from a calibration's ``posterior.parquet``."""
    import pyarrow.parquet as pq

    try:
        t = pq.read_table(path).to_pydict()
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the posterior ({exc})", file=str(path)) from exc
    names = [p for p in PR.NAMES if p in t]
    if not names or "weight" not in t:
        raise InputError("not a posterior table (needs 'weight' and parameter columns)", file=str(path))
    w = np.asarray(t["weight"], float)
    w = w / w.sum()
    u = (rng.random() + np.arange(n)) / n
    idx = np.minimum(np.searchsorted(np.cumsum(w), u, side="right"), len(w) - 1)
    return [{k: float(t[k][i]) for k in names} for i in idx]


def prior_draws(n: int, rng: np.random.Generator) -> list[dict[str, float]]:
    return [PR.values(PR.PRIORS, u) for u in rng.random((n, len(PR.PRIORS)))]


def aggregate(o: Outcomes, first: int, last: int) -> dict[str, float]:
    m = (o.years >= first) & (o.years <= last)
    out = {}
    for k in OUTCOMES:
        x = o.yearly[k][m]
        out[k] = float(np.mean(x) if k in AVERAGED else np.sum(x)) if len(x) == last - first + 1 else float("nan")
    return out


@dataclass
class Batch:
    names: list[str]
    thetas: list[dict[str, float]]
    run_seeds: np.ndarray
    period: tuple[int, int]
    values: np.ndarray  # (scenarios, draws, seeds, outcomes)


def run_batch(scenarios: list[tuple[str, Trafficking, dt.date]], thetas: list[dict[str, float]], n_seeds: int,
              seed: int, period: tuple[int, int], workers: int = 1, progress: Progress | None = None) -> Batch:
    run_seeds = seeds(seed, n_seeds, label=303)
    jobs = []
    for _, tr, end in scenarios:
        if end < dt.date(period[1], 12, 31):
            raise InputError(f"the scenario ends on {end}, before the end of the period ({period[1]})")
        for theta in thetas:
            t2, a2 = PR.configure(tr, Assumptions(), theta)
            jobs += [Job.of(t2, a2, end, int(s)) for s in run_seeds]
    outs = run_jobs(jobs, workers, progress, "scenario runs")
    vals = np.array([[aggregate(o, *period)[k] for k in OUTCOMES] for o in outs])
    vals = vals.reshape(len(scenarios), len(thetas), n_seeds, len(OUTCOMES))
    return Batch([n for n, _, _ in scenarios], thetas, run_seeds, period, vals)


def _band(x: np.ndarray) -> dict[str, float]:
    x = x[np.isfinite(x)]
    if not len(x):
        return {"median": float("nan"), "p05": float("nan"), "p95": float("nan")}
    return {"median": float(np.median(x)), "p05": float(np.quantile(x, 0.05)), "p95": float(np.quantile(x, 0.95))}


def summary(b: Batch) -> dict:
    """Median and 90% band per scenario and outcome; paired differences against the first scenario."""
    per = {n: {k: _band(b.values[i, ..., j].ravel()) for j, k in enumerate(OUTCOMES)} for i, n in enumerate(b.names)}
    diff = {}
    for i, n in enumerate(b.names[1:], start=1):
        d = {}
        for j, k in enumerate(OUTCOMES):
            x0, x1 = b.values[0, ..., j].ravel(), b.values[i, ..., j].ravel()
            rel = np.divide(x1 - x0, x0, out=np.full_like(x0, np.nan), where=x0 != 0)
            d[k] = {"absolute": _band(x1 - x0), "relative": _band(rel)}
        diff[n] = d
    return {"scenarios": b.names, "reference": b.names[0], "period": list(b.period), "draws": len(b.thetas),
            "seeds": len(b.run_seeds), "outcomes": per, "differences": diff}


def save(b: Batch, out: Path) -> dict:
    from counterflow.lab.store import write_json, write_parquet

    S, D, N, K = b.values.shape
    ii, dd, ss, kk = np.meshgrid(np.arange(S), np.arange(D), np.arange(N), np.arange(K), indexing="ij")
    write_parquet(Path(out) / "batch.parquet", {
        "scenario": [b.names[i] for i in ii.ravel()], "draw": dd.ravel(), "seed": b.run_seeds[ss.ravel()],
        "outcome": [OUTCOMES[k] for k in kk.ravel()], "value": b.values.ravel(),
    })
    doc = summary(b)
    write_json(Path(out) / "batch.json", doc)
    return doc
