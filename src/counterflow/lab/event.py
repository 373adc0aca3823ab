"""China's May 2019 class-wide scheduling of fentanyl-related substances as a test of the
scheduling lever.

Published work finds a price rise lasting 3-5 months and deaths below trend after it. The lab
runs each parameter draw and seed twice, with the public record as it is and without the May
2019 lever (everything else equal: same seed, same other levers), and measures:

- the Mexican wholesale and street pill price, month by month, as a ratio of the two runs, and
  how long the rise lasts: consecutive months above 1 + ``threshold`` from its onset (in the
  first three months);
- deaths in the twelve months from May 2019 against the same months without the lever, and
  against the run's own pre-event trend (a straight line through the 24 months before,
  extrapolated), which is what an observational study can see.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from counterflow.lab import priors as PR
from counterflow.lab.outcomes import Outcomes
from counterflow.lab.runner import Job, Progress, run_jobs
from counterflow.scenario.trafficking import Trafficking
from counterflow.twin import params as P
from counterflow.twin.assumptions import Assumptions

EVENT = dt.date(2019, 5, 1)


def _without_event(tr: Trafficking) -> Trafficking:
    kept = [h for h in P.HISTORY if not (h["kind"] == "schedule_precursors" and h["start"] == EVENT)]
    return Trafficking.model_validate({**tr.model_dump(), "history": False,
                                       "levers": kept + [lv.model_dump() for lv in tr.levers]})


def _months_above(ratio: np.ndarray, threshold: float, onset: int = 3) -> int:
    """Length of the price rise: consecutive months above ``1 + threshold`` from the first such
    month among the first ``onset`` (a rise that starts later is not the event's)."""
    above = ratio > 1 + threshold
    first = np.flatnonzero(above[:onset])
    if not len(first):
        return 0
    n = 0
    for a in above[first[0]:]:
        if not a:
            break
        n += 1
    return n


def event_study(thetas: list[dict[str, float]], run_seeds: np.ndarray, tr: Trafficking | None = None,
                end: dt.date = dt.date(2020, 12, 31), threshold: float = 0.05, workers: int = 1,
                progress: Progress | None = None) -> dict:
    base = tr or Trafficking()
    if not base.history:
        raise ValueError("the event is on the public record: the scenario needs history: true")
    cf = _without_event(base)
    jobs = []
    for theta in thetas:
        for s in run_seeds:
            for t in (base, cf):
                t2, a2 = PR.configure(t, Assumptions(), theta)
                jobs.append(Job.of(t2, a2, end, int(s)))
    outs = run_jobs(jobs, workers, progress, "May 2019 event")
    pairs = [(outs[i], outs[i + 1]) for i in range(0, len(outs), 2)]
    return measure(pairs, threshold)


def measure(pairs: list[tuple[Outcomes, Outcomes]], threshold: float = 0.05) -> dict:
    o = pairs[0][0]
    m0 = int(np.searchsorted(o.months, EVENT.year + (EVENT.month - 1) / 12 - 1e-9))
    horizon = min(len(o.months) - m0, 20)
    res: dict = {"event": EVENT.isoformat(), "threshold": threshold, "runs": len(pairs),
                 "months": [float(x) for x in o.months[m0 - 6:m0 + horizon]]}
    for key in ("price_mexico_usd_kg", "pill_price_usd"):
        ratio = np.array([a.monthly[key][m0:m0 + horizon] / b.monthly[key][m0:m0 + horizon] for a, b in pairs])
        lead = np.array([a.monthly[key][m0 - 6:m0 + horizon] / b.monthly[key][m0 - 6:m0 + horizon] for a, b in pairs])
        dur = np.array([_months_above(r, threshold) for r in ratio])
        res[key] = {
            "ratio_median": np.median(lead, axis=0).tolist(),
            "ratio_p05": np.quantile(lead, 0.05, axis=0).tolist(),
            "ratio_p95": np.quantile(lead, 0.95, axis=0).tolist(),
            "peak_ratio_median": float(np.median(ratio.max(axis=1))),
            "months_above_median": float(np.median(dur)),
            "months_above_p05": float(np.quantile(dur, 0.05)),
            "months_above_p95": float(np.quantile(dur, 0.95)),
            "share_3_to_5_months": float(np.mean((dur >= 3) & (dur <= 5))),
        }
    d_f = np.array([a.monthly["deaths"][m0:m0 + 12].sum() for a, _ in pairs])
    d_c = np.array([b.monthly["deaths"][m0:m0 + 12].sum() for _, b in pairs])
    ch = d_f / d_c - 1
    # The observational view: the factual run against its own 24-month pre-trend.
    trend = []
    x = np.arange(-24, 0)
    for a, _ in pairs:
        y = a.monthly["deaths"][m0 - 24:m0]
        k, c = np.polyfit(x, y, 1)
        pred = k * np.arange(0, 12) + c
        trend.append(a.monthly["deaths"][m0:m0 + 12].sum() / pred.sum() - 1)
    trend = np.array(trend)
    res["deaths_vs_counterfactual"] = {"median": float(np.median(ch)), "p05": float(np.quantile(ch, 0.05)),
                                       "p95": float(np.quantile(ch, 0.95)), "share_below": float(np.mean(ch < 0))}
    res["deaths_vs_pretrend"] = {"median": float(np.median(trend)), "p05": float(np.quantile(trend, 0.05)),
                                 "p95": float(np.quantile(trend, 0.95)), "share_below": float(np.mean(trend < 0))}
    pm, pp = res["price_mexico_usd_kg"], res["pill_price_usd"]
    res["reproduced"] = {
        "wholesale_rise_3_to_5_months": bool(3 <= pm["months_above_median"] <= 5),
        "street_rise_3_to_5_months": bool(3 <= pp["months_above_median"] <= 5),
        "deaths_below_counterfactual": bool(res["deaths_vs_counterfactual"]["p95"] < 0),
        "deaths_below_pretrend": bool(res["deaths_vs_pretrend"]["median"] < 0),
    }
    return res
