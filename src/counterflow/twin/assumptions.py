"""The twin's uncertain assumptions that a calibration may move, and the drivers it may be given.

:mod:`counterflow.twin.params` holds the frozen values with their sources; the scenario
(:class:`~counterflow.scenario.trafficking.Trafficking`) holds what a user turns. Between the two
sit the values nobody measured well, which the policy lab (:mod:`counterflow.lab`) draws from
priors and fits: the lethality of a dose, the potency of a pill and its drift, how often a load
is referred or found by a scanner, what scheduling does to price and supply, and the two
elasticities of the street market. The defaults are the values in ``params``, so
``run_twin(tr, end, seed)`` without assumptions is the calibrated twin, unchanged.

A *driver* is an observed quantity fed in as an input rather than predicted: ``potency_from``
sets the pill potency from a given day so that the share of pills with a lethal dose is a given
figure (the DEA's laboratory testing publishes that share each year).
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
    # Driver: from this day on, pills carry the potency at which this share of them has >= 2 mg.
    potency_from: dt.date | None = None
    potency_lethal_share: float | None = None

    def __post_init__(self) -> None:
        if (self.potency_from is None) != (self.potency_lethal_share is None):
            raise ValueError("potency_from and potency_lethal_share go together")
        if self.potency_lethal_share is not None and not 0 < self.potency_lethal_share < 1:
            raise ValueError("potency_lethal_share must be strictly between 0 and 1")

    def pill_mg_at(self, year: float, pills_per_kg: float, driven: bool = False) -> float:
        """Mean mg of fentanyl in a pill in decimal ``year`` (``driven``: the driver applies)."""
        if driven and self.potency_lethal_share is not None:
            return mg_for_lethal_share(self.potency_lethal_share)
        base = self.pill_mg if self.pill_mg is not None else 1e6 / pills_per_kg
        return base * math.exp(self.potency_trend * (year - 2019.0))


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
