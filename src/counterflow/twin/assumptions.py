"""The twin's uncertain assumptions that a calibration may move, and the drivers it may be given.

:mod:`counterflow.twin.params` holds the frozen values with their sources; the scenario
(:class:`~counterflow.scenario.trafficking.Trafficking`) holds what a user turns. Between the two
sit the values nobody measured well, which the policy lab (:mod:`counterflow.lab`) draws from
priors and fits: the lethality of a dose, the potency of a pill and its drift, how often a load
is referred or found by a scanner, what scheduling does to price and supply, and the two
elasticities of the street market. The defaults are the values in ``params``, so
``run_twin(tr, end, seed)`` without assumptions is the calibrated twin, unchanged.

A *driver* is an observed change fed in as an input rather than predicted: from ``potency_from``
on, pill potency is multiplied by ``potency_factor`` (the lab derives the factor from the DEA's
laboratory testing, which publishes the share of pills with a lethal dose each year).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from counterflow.twin import params as P


@dataclass(frozen=True)
class Assumptions:
    lethal_hazard: float = P.LETHAL_HAZARD  # chance a dose at or above 2 mg kills
    pill_mg: float | None = None  # mean fentanyl per pill in 2019; None: 10^6 mg / pills_per_kg
    potency_trend: float = 0.0  # yearly drift of log pill potency from 2019
    referral_factor: float = 1.0  # multiplies the chance a load is referred and found (params.REFERRAL)
    scan_detect: float = float(P.SCAN_DETECT[0])  # chance a scanned vehicle's load is found
    scheduled_price: float = P.SCHEDULED_PRICE
    scheduled_leak: float = P.SCHEDULED_LEAK
    price_elasticity: float = P.PRICE_ELASTICITY
    demand_elasticity: float = P.DEMAND_ELASTICITY
    # From this day on, a dose of at least 2 mg kills ``hazard_shock`` times as often (the
    # pandemic: more use alone, treatment disrupted; CDC's December 2020 health advisory).
    hazard_shock_from: dt.date | None = None
    hazard_shock: float = 1.0
    # Driver: from this day on, pill potency is multiplied by this factor.
    potency_from: dt.date | None = None
    potency_factor: float = 1.0

    def __post_init__(self) -> None:
        if not self.potency_factor > 0 or not self.hazard_shock > 0:
            raise ValueError("potency_factor and hazard_shock must be positive")

    def pill_mg_at(self, year: float, pills_per_kg: float, driven: bool = False) -> float:
        """Mean mg of fentanyl in a pill in decimal ``year`` (``driven``: the driver applies)."""
        base = self.pill_mg if self.pill_mg is not None else 1e6 / pills_per_kg
        mg = base * math.exp(self.potency_trend * (year - 2019.0))
        return mg * self.potency_factor if driven else mg


def lethal_share_of(mean_mg: float, sigma: float = P.POTENCY_SIGMA) -> float:
    """Share of doses with at least the lethal 2 mg when content is lognormal with mean ``mean_mg``."""
    mu = math.log(mean_mg) - sigma * sigma / 2
    return 0.5 * math.erfc((math.log(P.LETHAL_MG) - mu) / sigma / math.sqrt(2))


def mg_for_lethal_share(share: float, sigma: float = P.POTENCY_SIGMA) -> float:
    """The mean content at which ``share`` of doses reach 2 mg (inverse of :func:`lethal_share_of`)."""
    from statistics import NormalDist

    z = NormalDist().inv_cdf(1 - share)
    return math.exp(math.log(P.LETHAL_MG) - z * sigma + sigma * sigma / 2)


DEFAULT = Assumptions()
