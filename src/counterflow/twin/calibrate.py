"""Calibration: a twin run next to the public figures in ``world/data/figures.csv``.

Each check names the figure's id, the twin's measurement of the same thing over the same period,
and a tolerance stated with the check: a factor for order-of-magnitude figures (counts, weights,
deaths), an absolute band for shares, a bound for figures given as bounds. Periods follow the
source: CBP figures are US fiscal years (October to September), the rest calendar years.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import numpy as np

from counterflow.twin import params as P
from counterflow.twin.model import TwinResult

LB_PER_KG = 2.20462


def figures() -> dict[str, dict[str, str]]:
    """The shipped figures by id."""
    text = (resources.files("counterflow.world") / "data" / "figures.csv").read_text(encoding="utf-8")
    return {row["id"]: row for row in csv.DictReader(io.StringIO(text))}


@dataclass(frozen=True)
class Check:
    id: str
    measure: str
    tolerance: tuple[str, float]  # ("factor", f) | ("abs", d) | ("max", bound) | ("min", bound)
    value: Callable[[TwinResult], float]
    target: float | None = None  # default: the figure's value

    def within(self, target: float, value: float) -> bool:
        kind, x = self.tolerance
        if not math.isfinite(value):
            return False
        if kind == "factor":
            return value > 0 and target / x <= value <= target * x
        if kind == "abs":
            return abs(value - target) <= x
        if kind == "max":
            return value <= x
        return value >= x

    def describe(self) -> str:
        kind, x = self.tolerance
        return {"factor": f"within a factor of {x:g}", "abs": f"within ±{x:g}", "max": f"at most {x:g}",
                "min": f"at least {x:g}"}[kind]


def _days(r: TwinResult, first: dt.date, last: dt.date) -> slice:
    a = max(0, (first - r.start).days)
    b = min(r.days, (last - r.start).days + 1)
    return slice(a, max(a, b))


def _cal(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _fy(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year - 1, 10, 1), dt.date(year, 9, 30)


def _sum(key: str, period: tuple[dt.date, dt.date]) -> Callable[[TwinResult], float]:
    def f(r: TwinResult) -> float:
        return float(r.series[key][_days(r, *period)].sum())

    return f


def _mean(key: str, period: tuple[dt.date, dt.date]) -> Callable[[TwinResult], float]:
    def f(r: TwinResult) -> float:
        x = r.series[key][_days(r, *period)]
        return float(x.mean()) if x.size else math.nan

    return f


def _cbp_lb(period: tuple[dt.date, dt.date]) -> Callable[[TwinResult], float]:
    """CBP seizures in pounds: Southwest border (gross weight) plus mail parcels into the US."""
    def f(r: TwinResult) -> float:
        sl = _days(r, *period)
        kg = r.series["crossing_seized_gross_kg"][sl].sum() + r.series["mail_seized_kg"][sl, 0].sum()
        return float(kg) * LB_PER_KG

    return f


def _ratio(a: Callable[[TwinResult], float], b: Callable[[TwinResult], float]) -> Callable[[TwinResult], float]:
    def f(r: TwinResult) -> float:
        d = b(r)
        return a(r) / d if d > 0 else math.nan

    return f


def _swb_share(r: TwinResult) -> float:
    sl = _days(r, dt.date(2016, 1, 1), dt.date(2017, 12, 31))
    swb = r.series["crossing_seized_gross_kg"][sl].sum()
    mail = r.series["mail_seized_kg"][sl, 0].sum()
    return float(swb / (swb + mail)) if swb + mail > 0 else math.nan


def _seizure_mask(r: TwinResult, period: tuple[dt.date, dt.date]) -> np.ndarray:
    sl = _days(r, *period)
    d = r.seizures["day"]
    return (d >= sl.start) & (d < sl.stop)


def _poe_share(r: TwinResult) -> float:
    s = r.seizures
    m = _seizure_mask(r, (dt.date(2021, 1, 1), dt.date(2024, 9, 30))) & (s["crossing"] >= 0)
    poe = s["gross_kg"][m & (s["agency"] == 0)].sum()
    total = s["gross_kg"][m].sum()
    return float(poe / total) if total > 0 else math.nan


def _non_mail_land(r: TwinResult) -> float:
    # Every CBP seizure in the twin is at a land crossing or in the mail (air and sea seizures of
    # finished product are not modelled): the share is zero by construction.
    return 0.0


def _sd_pill_share(fy: int) -> Callable[[TwinResult], float]:
    """Expected pill share of seizure events at San Diego-Tijuana: inspection does not depend on
    the form, so it is the pill share of the loads presented there (seizures alone are too few
    for a stable share)."""
    sd = [i for i, c in enumerate(P.CROSSINGS) if c.key in ("san_ysidro", "otay_mesa")]

    def f(r: TwinResult) -> float:
        x = r.series["loads"][_days(r, *_fy(fy))][:, sd].sum(axis=(0, 1))
        return float(x[1] / x.sum()) if x.sum() > 0 else math.nan

    return f


def _ports_share(r: TwinResult) -> float:
    # Over the whole horizon: seizures at ports are too few to split by year.
    x = r.series["port_seized_kg"].sum(axis=0)
    keys = [p.key for p in P.MX_PORTS]
    big = sum(x[keys.index(k)] for k in ("manzanillo", "lazaro_cardenas", "veracruz"))
    return float(big / x.sum()) if x.sum() > 0 else math.nan


def _mexico_powder(year: int) -> Callable[[TwinResult], float]:
    def f(r: TwinResult) -> float:
        s = r.seizures
        m = _seizure_mask(r, _cal(year)) & (s["form"] == 0) & np.isin(s["agency"], [4, 5, 6]) & (s["chemical"] == 0)
        return float(s["gross_kg"][m].sum())

    return f


def _street_value(r: TwinResult) -> float:
    return _mean("pill_price", _cal(2018))(r) * r.pills_per_kg


def _pills_per_kg(r: TwinResult) -> float:
    """Pills per kg of fentanyl in the pill loads the twin seized (count over pure content)."""
    s = r.seizures
    m = (s["form"] == 1) & (s["pure_kg"] > 0)
    return float(s["quantity"][m].sum() / s["pure_kg"][m].sum()) if m.any() else math.nan


def _max_chain(r: TwinResult) -> float:
    c = r.shipments["chain"]
    return float(c.max()) if len(c) else math.nan


def _deaths(year: int) -> Callable[[TwinResult], float]:
    return _sum("deaths", _cal(year))


def _china_price_lb(r: TwinResult) -> float:
    return _mean("price_china", _cal(2020))(r) / LB_PER_KG


CHECKS: tuple[Check, ...] = (
    Check("kg_cost_mexico", "Mexican wholesale price of a kg of fentanyl, 2018 mean (USD)", ("factor", 2),
          _mean("price_mexico", _cal(2018))),
    Check("china_raw_price", "price of fentanyl from Chinese makers, 2020 mean (USD per pound)", ("factor", 2),
          _china_price_lb),
    Check("pills_per_kg", "pills per kg of fentanyl in seized pills", ("factor", 1.1), _pills_per_kg),
    Check("street_value_per_kg", "street value of the pills from one kg, 2018 (USD)", ("factor", 2), _street_value),
    Check("cbp_lb_fy2019", "CBP fentanyl seizures FY2019 (pounds)", ("factor", 2), _cbp_lb(_fy(2019))),
    Check("cbp_lb_fy2022", "CBP fentanyl seizures FY2022 (pounds)", ("factor", 2), _cbp_lb(_fy(2022))),
    Check("cbp_lb_fy2023", "growth of CBP seizures FY2019 to FY2023 (ratio; cbp_lb_fy2023 / cbp_lb_fy2019)",
          ("factor", 2), _ratio(_cbp_lb(_fy(2023)), _cbp_lb(_fy(2019))), target=27000 / 2800),
    Check("cbp_swb_share", "share of CBP fentanyl weight seized at the Southwest border, 2016-2017", ("abs", 0.15),
          _swb_share),
    Check("cbp_lb_fy2024", "share of Southwest-border seizure weight at ports of entry, 2021-FY2024 (note: over 90%)",
          ("min", 0.9), _poe_share, target=0.9),
    Check("non_mail_land_share", "share of CBP seizures by a method other than mail or land", ("max", 0.01),
          _non_mail_land),
    Check("sd_pill_share_fy2017", "pill share of seizure events at San Diego-Tijuana, FY2017", ("abs", 0.1),
          _sd_pill_share(2017)),
    Check("sd_pill_share_fy2018", "pill share of seizure events at San Diego-Tijuana, FY2018", ("abs", 0.15),
          _sd_pill_share(2018)),
    Check("ports_share_precursor_seizures",
          "share of Mexican port seizures (kg) at Manzanillo, Lázaro Cárdenas and Veracruz, whole run",
          ("abs", 0.1), _ports_share),
    Check("forwarders_in_chain", "longest forwarder chain of a shipment", ("min", 5), _max_chain),
    Check("mexico_powder_seizures_2015", "fentanyl powder seized in Mexico, 2015 (kg)", ("factor", 10),
          _mexico_powder(2015)),
    Check("dea_pills_2021", "pills seized inside the US, 2021", ("factor", 3),
          _sum("interior_seized_pills", _cal(2021))),
    Check("dea_pills_2023", "pills seized inside the US, 2023", ("factor", 3),
          _sum("interior_seized_pills", _cal(2023))),
    Check("nflis_2017", "fentanyl exhibit reports, 2017", ("factor", 2), _sum("exhibits", _cal(2017))),
    Check("cdc_synthetic_2016", "synthetic-opioid deaths, 2016", ("factor", 2), _deaths(2016)),
    Check("deaths_synthetic_2017", "synthetic-opioid deaths, 2017", ("factor", 2), _deaths(2017)),
    Check("cdc_synthetic_2019", "synthetic-opioid deaths, 2019", ("factor", 2), _deaths(2019)),
    Check("cdc_synthetic_2022", "synthetic-opioid deaths, 2022", ("factor", 2), _deaths(2022)),
)


def _number(text: str) -> float:
    return float(text.replace(",", "").split()[0])


def compare(result: TwinResult) -> list[dict]:
    """One row per check: id, figure, target, value, tolerance, within."""
    figs = figures()
    rows = []
    for c in CHECKS:
        fig = figs[c.id]
        target = c.target if c.target is not None else _number(fig["value"])
        value = c.value(result)
        rows.append({
            "id": c.id,
            "figure": c.measure,
            "source": fig["source"],
            "target": round(target, 6),
            "value": None if not math.isfinite(value) else round(value, 6),
            "tolerance": c.describe(),
            "within": bool(c.within(target, value)),
        })
    return rows
