"""What the lab keeps of one twin run: yearly and monthly outcomes, small enough to send between processes.

Calendar-year outcomes (supply, seizures by place, prices, deaths, revenue, laundering), CBP
seizures by US fiscal year (October-September, as CBP reports them), and a few monthly series
(prices, deaths) for event studies such as China's May 2019 scheduling.

Laundering volume by channel comes from the cash-proceeds hand-off, split as the laundering
twin's defaults split it (:class:`counterflow.scenario.laundering.Laundering`): the cartels' cash
to Chinese money-laundering brokers (then by delivery: pass-through accounts, card pay-offs,
wires), bulk cash to Mexican banks, the other organisations' own channels; broker fees are the
brokers' volume at the mean commission. The full laundering render (transactions) is not run:
it is a per-transaction model, far too heavy for thousands of runs, and it adds no feedback to
the physical twin.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from counterflow.scenario.laundering import Laundering
from counterflow.twin import params as P
from counterflow.twin.assumptions import lethal_share_of
from counterflow.twin.calibrate import LB_PER_KG
from counterflow.twin.model import TwinResult

MEXICAN_AGENCIES = (4, 5, 6)  # SEMAR, SEDENA, FGR in the seizure log
# Outcome name -> unit; yearly (calendar) unless named in FISCAL.
YEARLY: dict[str, str] = {
    "deaths": "deaths",
    "lethal_dose_share": "share of pills with >= 2 mg",
    "supply_sold_kg": "kg pure sold in the US",
    "cartel_imports_eq_kg": "kg fentanyl equivalent shipped to the cartels",
    "seized_origin_kg": "kg chemical stopped in China",
    "seized_mexican_ports_kg": "kg chemical seized at Mexican ports",
    "seized_mexico_labs_kg": "kg pure seized in lab raids",
    "seized_mexico_inland_kg": "kg pure seized at Mexican checkpoints",
    "seized_border_kg": "kg pure seized at land crossings",
    "seized_mail_kg": "kg seized in parcels (US and Canada)",
    "seized_us_interior_kg": "kg pure seized inside the US",
    "mexico_fentanyl_seized_kg": "kg fentanyl seized by Mexican forces",
    "dea_pills_seized": "pills seized inside the US",
    "price_china_usd_kg": "USD per kg",
    "price_mexico_usd_kg": "USD per kg",
    "price_us_wholesale_usd_kg": "USD per kg",
    "pill_price_usd": "USD per pill",
    "cartel_revenue_usd": "USD (street sales and wholesale of Sinaloa and CJNG)",
    "street_revenue_usd": "USD (all street sales)",
    "laundering_cmln_pass_through_usd": "USD",
    "laundering_cmln_card_payoff_usd": "USD",
    "laundering_cmln_wire_usd": "USD",
    "laundering_bulk_cash_usd": "USD",
    "laundering_own_channel_usd": "USD",
    "broker_fees_usd": "USD",
}
FISCAL: dict[str, str] = {"cbp_seized_lb": "pounds (CBP, fiscal year)"}
MONTHLY = ("price_mexico_usd_kg", "pill_price_usd", "deaths", "price_china_usd_kg")


@dataclass
class Outcomes:
    years: np.ndarray  # calendar years (and fiscal years for FISCAL)
    yearly: dict[str, np.ndarray]
    months: np.ndarray  # decimal year of each month's start
    monthly: dict[str, np.ndarray]

    def get(self, name: str, year: int) -> float:
        i = int(np.searchsorted(self.years, year))
        if i >= len(self.years) or self.years[i] != year:
            return float("nan")
        return float(self.yearly[name][i])


def _period_sum(x: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    c = np.concatenate([np.zeros((1,) + x.shape[1:]), np.cumsum(x, axis=0)])
    return c[stops] - c[starts]


def summarise(r: TwinResult, laundering: Laundering | None = None) -> Outcomes:
    lc = laundering or Laundering()
    s = r.series
    first, last = r.start.year, (r.start + dt.timedelta(days=r.days - 1)).year
    years = np.arange(first, last + 1)

    def bounds(d0: list[dt.date], d1: list[dt.date]) -> tuple[np.ndarray, np.ndarray]:
        a = np.clip([(d - r.start).days for d in d0], 0, r.days)
        b = np.clip([(d - r.start).days for d in d1], 0, r.days)
        return np.asarray(a), np.maximum(np.asarray(a), np.asarray(b))

    a, b = bounds([dt.date(y, 1, 1) for y in years], [dt.date(y + 1, 1, 1) for y in years])
    n_days = np.maximum(b - a, 1)

    def total(key: str) -> np.ndarray:
        x = s[key]
        return _period_sum(x.reshape(len(x), -1).sum(axis=1), a, b)

    def mean(x: np.ndarray) -> np.ndarray:
        return _period_sum(x, a, b) / n_days

    rev = s["revenue_usd"].sum(axis=1)  # (T, orgs)
    cartel_cash = rev[:, :2].sum(axis=1)
    other_cash = rev[:, 2:].sum(axis=1)
    cmln = cartel_cash * lc.cmln_share
    fee = 0.5 * (lc.fee_min + lc.fee_max)
    z = r.seizures
    mx = (np.isin(z["agency"], MEXICAN_AGENCIES) & (z["chemical"] == P.FENTANYL) & (z["form"] == 0))
    mx_daily = np.bincount(z["day"][mx].astype(np.int64), z["gross_kg"][mx], r.days)
    lethal_daily = np.array([lethal_share_of(m) if m > 0 else 0.0 for m in s["pill_mg"]])
    y: dict[str, np.ndarray] = {
        "deaths": total("deaths"),
        "lethal_dose_share": mean(lethal_daily),
        "supply_sold_kg": total("sold_kg"),
        "cartel_imports_eq_kg": total("route_eq_kg"),
        "seized_origin_kg": total("origin_seized_kg"),
        "seized_mexican_ports_kg": total("port_seized_kg"),
        "seized_mexico_labs_kg": total("lab_seized_kg"),
        "seized_mexico_inland_kg": total("inland_seized_kg"),
        "seized_border_kg": total("crossing_seized_kg"),
        "seized_mail_kg": total("mail_seized_kg"),
        "seized_us_interior_kg": total("interior_seized_kg"),
        "mexico_fentanyl_seized_kg": _period_sum(mx_daily, a, b),
        "dea_pills_seized": total("interior_seized_pills"),
        "price_china_usd_kg": mean(s["price_china"]),
        "price_mexico_usd_kg": mean(s["price_mexico"]),
        "price_us_wholesale_usd_kg": mean(s["price_us_wholesale"]),
        "pill_price_usd": mean(s["pill_price"].mean(axis=1)),
        "cartel_revenue_usd": _period_sum(cartel_cash + s["wholesale_usd"][:, :2].sum(axis=1), a, b),
        "street_revenue_usd": _period_sum(rev.sum(axis=1), a, b),
        "laundering_cmln_pass_through_usd": _period_sum(cmln * lc.pass_through_share, a, b),
        "laundering_cmln_card_payoff_usd": _period_sum(cmln * lc.card_payoff_share, a, b),
        "laundering_cmln_wire_usd": _period_sum(cmln * (1 - lc.pass_through_share - lc.card_payoff_share), a, b),
        "laundering_bulk_cash_usd": _period_sum(cartel_cash * lc.bulk_share, a, b),
        "laundering_own_channel_usd": _period_sum(other_cash * lc.own_share, a, b),
        "broker_fees_usd": _period_sum(cmln * fee, a, b),
    }
    fa, fb = bounds([dt.date(v - 1, 10, 1) for v in years], [dt.date(v, 10, 1) for v in years])
    cbp_daily = s["crossing_seized_gross_kg"].sum(axis=1) + s["mail_seized_kg"][:, 0]
    y["cbp_seized_lb"] = _period_sum(cbp_daily, fa, fb) * LB_PER_KG
    # A year the run covers only in part is not a year: NaN rather than a short total.
    full = (b - a) >= 365
    y = {k: np.where(full if k not in FISCAL else (fb - fa) >= 365, v, np.nan) for k, v in y.items()}
    m0 = [dt.date(yy, mm, 1) for yy in years for mm in range(1, 13)]
    m1 = m0[1:] + [dt.date(last + 1, 1, 1)]
    ma, mb = bounds(m0, m1)
    md = np.maximum(mb - ma, 1)
    monthly = {
        "price_mexico_usd_kg": _period_sum(s["price_mexico"], ma, mb) / md,
        "pill_price_usd": _period_sum(s["pill_price"].mean(axis=1), ma, mb) / md,
        "deaths": _period_sum(s["deaths"].sum(axis=1), ma, mb),
        "price_china_usd_kg": _period_sum(s["price_china"], ma, mb) / md,
    }
    months = np.array([d.year + (d.month - 1) / 12 for d in m0])
    return Outcomes(years=years, yearly=y, months=months, monthly=monthly)
