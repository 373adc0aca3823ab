"""The twin's uncertain assumptions: defaults change nothing; each one moves what it should."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from counterflow.scenario.trafficking import Trafficking
from counterflow.twin import run_twin
from counterflow.twin.assumptions import Assumptions, lethal_share_of, mg_for_lethal_share

TR = Trafficking(start_date=dt.date(2020, 1, 1))
END = dt.date(2020, 12, 31)


def test_default_assumptions_leave_the_run_unchanged_and_hazard_scales_deaths_only() -> None:
    a = run_twin(TR, END, 3)
    b = run_twin(TR, END, 3, Assumptions(lethal_hazard=2 * Assumptions().lethal_hazard))
    assert np.allclose(b.series["deaths"], 2 * a.series["deaths"], rtol=1e-12)
    for k in ("sold_kg", "crossing_seized_kg", "price_mexico"):
        assert np.array_equal(a.series[k], b.series[k]), k
    c = run_twin(TR, END, 3, Assumptions())
    assert np.array_equal(a.series["deaths"], c.series["deaths"])


def test_potency_driver_and_pandemic_shock_act_from_their_day() -> None:
    d0 = dt.date(2020, 7, 1)
    i = (d0 - TR.start_date).days
    a = run_twin(TR, END, 3)
    b = run_twin(TR, END, 3, Assumptions(potency_from=d0, potency_factor=0.5))
    assert np.array_equal(a.series["deaths"][:i], b.series["deaths"][:i])
    assert b.series["deaths"][i:].sum() < a.series["deaths"][i:].sum()
    assert b.series["pill_mg"][i] == pytest.approx(0.5 * a.series["pill_mg"][i])
    c = run_twin(TR, END, 3, Assumptions(hazard_shock_from=d0, hazard_shock=1.5))
    assert np.allclose(c.series["deaths"][i:], 1.5 * a.series["deaths"][i:], rtol=1e-12)


def test_lethal_share_and_its_inverse() -> None:
    for s in (0.1, 0.4, 0.7):
        assert lethal_share_of(mg_for_lethal_share(s)) == pytest.approx(s)
    assert lethal_share_of(1.0) == pytest.approx(0.1027, abs=1e-3)
    with pytest.raises(ValueError):
        Assumptions(potency_factor=0)
