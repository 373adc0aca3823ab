"""The twin's uncertain parameters, their priors, and how a draw becomes a twin configuration.

Each parameter is either a field of the scenario's ``trafficking:`` section or a field of
:class:`counterflow.twin.assumptions.Assumptions`. Priors are uniform, on the log scale for
positive quantities whose order of magnitude is in doubt; each names its reason. The unit cube
is the lab's working space: ABC perturbs draws there, Morris and Sobol sample there.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from counterflow.errors import InputError
from counterflow.scenario.trafficking import Trafficking
from counterflow.twin.assumptions import Assumptions


@dataclass(frozen=True)
class Prior:
    name: str
    where: str  # "trafficking" | "assumptions"
    low: float
    high: float
    log: bool
    why: str

    def value(self, u: float) -> float:
        """The parameter at position ``u`` in [0, 1] of its prior."""
        if self.log:
            return float(math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low))))
        return float(self.low + u * (self.high - self.low))

    def unit(self, x: float) -> float:
        if self.log:
            return (math.log(x) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (x - self.low) / (self.high - self.low)


PRIORS: tuple[Prior, ...] = (
    Prior("demand_peak_kg", "trafficking", 1500.0, 8000.0, True,
          "potential US use at saturation (kg pure a year); baseline 3,000 was set from the CDC series"),
    Prior("demand_midpoint_year", "trafficking", 2017.5, 2022.0, False,
          "midpoint of the outbreak curve; the series up to 2020 has not yet shown its turn"),
    Prior("demand_width_years", "trafficking", 1.0, 3.0, False, "how fast the outbreak spreads (logistic scale)"),
    Prior("lethal_hazard", "assumptions", 5e-5, 8e-4, True,
          "chance a dose of at least 2 mg kills; most users are tolerant, no direct measurement"),
    Prior("pill_mg", "assumptions", 0.8, 2.5, True,
          "mean fentanyl per counterfeit pill in 2019 (DEA reports 0.02-5.1 mg; the mean is not published)"),
    Prior("potency_trend", "assumptions", -0.05, 0.25, False,
          "yearly drift of log pill potency from 2019 (reporting says pills got stronger; size unknown)"),
    Prior("referral_factor", "assumptions", 0.5, 2.0, True,
          "multiplies the chance a load is referred to secondary inspection and found without a scanner"),
    Prior("scan_detect", "assumptions", 0.05, 0.4, False, "chance a scan finds a load in a vehicle"),
    Prior("risk_aversion", "trafficking", 7.0, 28.0, False, "weight traffickers give perceived seizure risk"),
    Prior("scheduled_price", "assumptions", 1.5, 3.0, False, "price multiple of a chemical once scheduled"),
    Prior("hazard_shock", "assumptions", 1.0, 1.6, False,
          "lethality multiple from mid-March 2020 (the pandemic: more use alone, disrupted treatment; "
          "CDC health advisory of December 2020), kept for the rest of the run"),
    Prior("price_elasticity", "assumptions", 0.3, 1.0, False, "street price response to scarcity"),
    Prior("demand_elasticity", "assumptions", 0.1, 0.6, False, "consumption response to the street price"),
)
NAMES: tuple[str, ...] = tuple(p.name for p in PRIORS)
PANDEMIC = dt.date(2020, 3, 15)


def by_name(names: Sequence[str] | None = None) -> tuple[Prior, ...]:
    """The priors of ``names`` (all when None), in the order given; unknown names are an error."""
    if names is None:
        return PRIORS
    known = {p.name: p for p in PRIORS}
    bad = [n for n in names if n not in known]
    if bad:
        raise InputError(f"unknown parameter(s) {', '.join(bad)}; known: {', '.join(NAMES)}", field="params")
    return tuple(known[n] for n in names)


def values(priors: Sequence[Prior], u: np.ndarray) -> dict[str, float]:
    """Parameter values of one point ``u`` of the unit cube."""
    return {p.name: p.value(float(x)) for p, x in zip(priors, u)}


def configure(tr: Trafficking, assume: Assumptions, theta: dict[str, float]) -> tuple[Trafficking, Assumptions]:
    """The scenario section and assumptions with ``theta`` applied."""
    where = {p.name: p.where for p in PRIORS}
    t_up = {k: v for k, v in theta.items() if where[k] == "trafficking"}
    a_up = {k: v for k, v in theta.items() if where[k] == "assumptions"}
    if "hazard_shock" in a_up:
        a_up["hazard_shock_from"] = PANDEMIC
    tr2 = Trafficking.model_validate({**tr.model_dump(), **t_up}) if t_up else tr
    return tr2, replace(assume, **a_up) if a_up else assume


def table() -> list[dict]:
    """The priors as rows (for the docs and the report)."""
    return [{"parameter": p.name, "in": p.where, "prior": f"{'log-' if p.log else ''}uniform [{p.low:g}, {p.high:g}]",
             "why": p.why} for p in PRIORS]
