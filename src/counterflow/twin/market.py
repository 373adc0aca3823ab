"""The US street market and the exposure model of overdose deaths (pure functions).

Demand: potential use of fentanyl in each region follows a logistic outbreak curve (the region's
lag shifts its midpoint), scaled to ``demand_peak_kg`` of pure fentanyl a year and damped by the
street price. Deaths: every dose sold is a lognormal draw of fentanyl content around its mean; a
dose at or above the lethal 2 mg (figures: lethal_dose_mg) kills with a small probability
(``LETHAL_HAZARD``). Deaths are expected values, so comparisons between scenarios are smooth.
"""

from __future__ import annotations

import math

import numpy as np

from counterflow.twin import params as P


def potential_demand(year: float, peak_kg: float, mid: float, width: float) -> np.ndarray:
    """Pure kg a day each region would consume at reference prices."""
    x = (year - mid - P.REGION_LAG_YEARS) / width
    return P.REGION_WEIGHT * peak_kg / 365.0 / (1.0 + np.exp(-x))


def lethal_share(mean_mg: float, sigma: float = P.POTENCY_SIGMA) -> float:
    """Share of doses with at least the lethal content, for lognormal content of mean ``mean_mg``."""
    mu = math.log(mean_mg) - sigma * sigma / 2
    z = (math.log(P.LETHAL_MG) - mu) / sigma
    return 0.5 * math.erfc(z / math.sqrt(2))


def deaths(pills: np.ndarray, powder_kg: np.ndarray, pills_per_kg: float, hazard: float = P.LETHAL_HAZARD,
           pill_mg: float | None = None) -> np.ndarray:
    """Expected deaths from ``pills`` sold and ``powder_kg`` of pure powder sold (pills of
    ``pill_mg`` mean content; default 10^6 mg / ``pills_per_kg``)."""
    if pill_mg is None:
        pill_mg = 1e6 / pills_per_kg
    powder_doses = powder_kg * 1e6 / P.POWDER_DOSE_MG
    return hazard * (pills * lethal_share(pill_mg) + powder_doses * lethal_share(P.POWDER_DOSE_MG))


def pill_share(year: float) -> float:
    """Share of Mexican product pressed into counterfeit pills."""
    x = (year - P.PILL_SHARE_MID) / P.PILL_SHARE_WIDTH
    return P.PILL_SHARE_LOW + (P.PILL_SHARE_HIGH - P.PILL_SHARE_LOW) / (1.0 + math.exp(-x))


def allocate_sales(
    demand: np.ndarray, offer: np.ndarray
) -> np.ndarray:
    """Sales (regions x sellers) when ``offer[r, o]`` kg are offered against ``demand[r]`` kg:
    each region buys up to its demand, pro rata among its sellers."""
    total = offer.sum(axis=1)
    fill = np.divide(np.minimum(demand, total), total, out=np.zeros_like(total), where=total > 0)
    return offer * fill[:, None]
