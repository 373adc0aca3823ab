"""Held-out scores of a calibration against the issue's targets, beside naive baselines.

All scores use only the forecast (parameters frozen at the fit) and the public series of the
held-out years. The point forecast is the median over every draw and seed; bands are the 5th and
95th percentiles. Baselines are fitted on the fit years the same way a forecaster would:
*persistence* carries the last fit year's value forward; *straight line* is least squares on the
last five fit years (2016-2020 for a fit until 2020). A series with fewer fit points than a
baseline needs gets "n/a" for it, not an invented value.
"""

from __future__ import annotations

import math

import numpy as np

from counterflow.lab import series as S
from counterflow.lab.calibrate import Calibration, stack

# Series scored, the twin's outcome, and how a year is judged.
SCORED = (
    ("deaths", S.DEATHS, "deaths"),
    ("cbp", S.CBP, "cbp_seized_lb"),
    ("lethal", S.LETHAL, "lethal_dose_share"),
)
TARGETS = {
    "deaths_mape_max": 0.08,
    "coverage_min": 0.80,
    "cbp_rel_max": 0.25,
    "lethal_abs_max": 0.10,
}


def _mape(pred: dict[int, float], obs: dict[int, float], years: list[int]) -> float:
    e = [abs(pred[y] - obs[y]) / obs[y] for y in years if y in pred and y in obs and math.isfinite(pred[y])]
    return float(np.mean(e)) if len(e) == len(years) else math.nan


def baselines(obs_fit: dict[int, float], years: list[int]) -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    if obs_fit:
        last = max(obs_fit)
        out["persistence"] = {y: obs_fit[last] for y in years}
        ys = sorted(obs_fit)[-5:]
        if len(ys) >= 3:
            k, c = np.polyfit(ys, [obs_fit[y] for y in ys], 1)
            out["straight line"] = {y: float(k * y + c) for y in years}
    return out


def score(cal: Calibration, series: dict) -> dict:
    cfg = cal.config
    held = list(range(cfg.fit_until + 1, cfg.last_year + 1))
    res: dict = {"fit_until": cfg.fit_until, "held_out_years": held, "series": {}}
    covered = total = 0
    covered_d = total_d = 0
    for key, name, outcome in SCORED:
        obs_all = S.values(series, name)
        obs = {y: v for y, v in obs_all.items() if y in held}
        fit_obs = {y: v for y, v in obs_all.items() if y <= cfg.fit_until}
        x = stack(cal.forecast, outcome, held)
        med, lo, hi = (np.nanquantile(x, q, axis=0) for q in (0.5, 0.05, 0.95))
        rows = []
        for i, y in enumerate(held):
            if y not in obs:
                continue
            inside = bool(lo[i] <= obs[y] <= hi[i])
            covered += inside
            total += 1
            rows.append({"year": y, "observed": obs[y], "median": float(med[i]), "p05": float(lo[i]),
                         "p95": float(hi[i]), "covered": inside})
        entry: dict = {"outcome": outcome, "rows": rows,
                       "baselines": {b: {y: v for y, v in p.items() if y in obs}
                                     for b, p in baselines(fit_obs, held).items()}}
        if cal.driven:
            xd = stack(cal.driven, outcome, held)
            dmed, dlo, dhi = (np.nanquantile(xd, q, axis=0) for q in (0.5, 0.05, 0.95))
            entry["driven"] = [{"year": y, "median": float(dmed[i]), "p05": float(dlo[i]), "p95": float(dhi[i])}
                               for i, y in enumerate(held) if y in obs]
            for i, y in enumerate(held):
                if y in obs and not (key == "lethal" and y == cal.driver.get("year")):  # the driver itself
                    covered_d += bool(dlo[i] <= obs[y] <= dhi[i])
                    total_d += 1
        res["series"][key] = entry
    res["coverage_90"] = covered / total if total else math.nan
    res["coverage_points"] = total
    if cal.driven:
        res["coverage_90_driven"] = covered_d / total_d if total_d else math.nan
    # Deaths MAPE over the held-out years before the last (2021-2023 for the defaults).
    d = res["series"]["deaths"]
    obs_d = {r["year"]: r["observed"] for r in d["rows"]}
    med_d = {r["year"]: r["median"] for r in d["rows"]}
    mape_years = [y for y in held if y < cfg.last_year and y in obs_d]
    res["deaths_mape"] = _mape(med_d, obs_d, mape_years)
    res["deaths_mape_years"] = mape_years
    res["deaths_mape_baselines"] = {b: _mape(p, obs_d, mape_years) for b, p in d["baselines"].items()}
    # CBP each year within 25%, and the peak year.
    c = res["series"]["cbp"]
    res["cbp_within"] = {r["year"]: abs(r["median"] / r["observed"] - 1) <= TARGETS["cbp_rel_max"] for r in c["rows"]}
    res["cbp_rel_error"] = {r["year"]: r["median"] / r["observed"] - 1 for r in c["rows"]}
    obs_c = {y: v for y, v in S.values(series, S.CBP).items()}
    med_c = {r["year"]: r["median"] for r in c["rows"]}
    res["cbp_peak_observed"] = max(obs_c, key=obs_c.get) if obs_c else None
    res["cbp_peak_twin"] = max(med_c, key=med_c.get) if med_c else None
    res["cbp_baselines_within"] = {b: {y: abs(v / obs_c[y] - 1) <= TARGETS["cbp_rel_max"] for y, v in p.items()}
                                   for b, p in c["baselines"].items()}
    lt = res["series"]["lethal"]
    res["lethal_within"] = {r["year"]: abs(r["median"] - r["observed"]) <= TARGETS["lethal_abs_max"]
                            for r in lt["rows"]}
    res["lethal_error_points"] = {r["year"]: 100 * (r["median"] - r["observed"]) for r in lt["rows"]}
    # The last year's fall: sign of the change in deaths, per paired draw and seed.
    last, prev = cfg.last_year, cfg.last_year - 1
    if cal.driven and prev in held:
        for kind, runs in (("plain", cal.forecast), ("driven", cal.driven)):
            x = stack(runs, "deaths", [prev, last])
            ch = x[:, 1] / x[:, 0] - 1
            res[f"fall_{kind}"] = {"median_change": float(np.median(ch)), "p05": float(np.quantile(ch, 0.05)),
                                   "p95": float(np.quantile(ch, 0.95)), "share_falling": float(np.mean(ch < 0))}
        o = S.values(series, S.DEATHS)
        if prev in o and last in o:
            res["fall_observed"] = o[last] / o[prev] - 1
        res["driver"] = cal.driver
    res["targets"] = TARGETS
    return res
