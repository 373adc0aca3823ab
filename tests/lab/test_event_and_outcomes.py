"""Outcomes of a run add up to its series; the May 2019 event measures on hand-made series."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from counterflow.lab import event
from counterflow.lab.outcomes import Outcomes, summarise
from counterflow.scenario.laundering import Laundering
from counterflow.scenario.trafficking import Trafficking
from counterflow.twin import run_twin
from counterflow.twin.calibrate import LB_PER_KG


def test_yearly_outcomes_add_up_to_the_daily_series() -> None:
    r = run_twin(Trafficking(start_date=dt.date(2019, 10, 1)), dt.date(2020, 12, 31), 2)
    o = summarise(r)
    assert list(o.years) == [2019, 2020]
    assert np.isnan(o.get("deaths", 2019))  # a part year is not a year
    in2020 = slice((dt.date(2020, 1, 1) - r.start).days, r.days)
    assert o.get("deaths", 2020) == pytest.approx(r.series["deaths"][in2020].sum())
    fy = slice(0, 366)  # 2019-10-01 .. 2020-09-30
    cbp = (r.series["crossing_seized_gross_kg"][fy].sum() + r.series["mail_seized_kg"][fy, 0].sum()) * LB_PER_KG
    assert o.get("cbp_seized_lb", 2020) == pytest.approx(cbp)
    lc = Laundering()
    cartel = r.series["revenue_usd"][in2020][:, :, :2].sum()
    assert o.get("laundering_bulk_cash_usd", 2020) == pytest.approx(cartel * lc.bulk_share)
    channels = sum(o.get(k, 2020) for k in ("laundering_cmln_pass_through_usd", "laundering_cmln_card_payoff_usd",
                                            "laundering_cmln_wire_usd"))
    assert channels == pytest.approx(cartel * lc.cmln_share)
    assert o.get("broker_fees_usd", 2020) == pytest.approx(channels * (lc.fee_min + lc.fee_max) / 2)
    assert o.monthly["deaths"][3:].sum() == pytest.approx(r.series["deaths"].sum())


def _outcomes(price: np.ndarray, deaths: np.ndarray) -> Outcomes:
    months = 2016 + np.arange(len(price)) / 12
    return Outcomes(np.array([2016]), {}, months, {"price_mexico_usd_kg": price, "pill_price_usd": price,
                                                   "deaths": deaths})


def test_event_measures_a_known_four_month_rise_and_a_known_deficit() -> None:
    n = 60
    base = np.full(n, 100.0)
    rise = base.copy()
    m0 = 40  # May 2019 in months from January 2016
    rise[m0 + 1:m0 + 5] = 120.0  # onset in the second month, four months above
    trend = 10.0 + np.arange(n)
    fell = trend.copy()
    fell[m0:m0 + 12] *= 0.9
    res = event.measure([(_outcomes(rise, fell), _outcomes(base, trend))], threshold=0.05)
    assert res["price_mexico_usd_kg"]["months_above_median"] == 4
    assert res["price_mexico_usd_kg"]["peak_ratio_median"] == pytest.approx(1.2)
    assert res["deaths_vs_counterfactual"]["median"] == pytest.approx(-0.1)
    assert res["deaths_vs_pretrend"]["median"] == pytest.approx(-0.1)
    assert res["reproduced"] == {"wholesale_rise_3_to_5_months": True, "street_rise_3_to_5_months": True,
                                 "deaths_below_counterfactual": True, "deaths_below_pretrend": True}


def test_counterfactual_drops_only_the_may_2019_lever() -> None:
    cf = event._without_event(Trafficking())
    kinds = [(lv.kind, lv.start) for lv in cf.levers]
    assert ("schedule_precursors", event.EVENT) not in kinds and len(kinds) == 2 and not cf.history
